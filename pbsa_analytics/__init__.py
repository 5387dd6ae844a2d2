"""PBSA Analytics: the Place Based Social Action programme's evidence as queryable data."""
