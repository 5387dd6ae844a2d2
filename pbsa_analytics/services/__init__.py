"""Use cases shared by the command line and the app (monitoring imports), above queries and store."""
