"""Monitoring returns as people write them: read a file, match its headers, validate every row.

Pure functions over bytes and DataFrames: nothing here touches the store.
"""
