"""Errors the package raises instead of returning None."""


class PbsaError(Exception):
    """Base class: anything the user can fix gets one of these, with a readable message."""


class BuildError(PbsaError):
    """The data files could not be built into the store."""


class StoreMissingError(PbsaError):
    """The DuckDB store has not been built yet."""


class StoreCorruptError(PbsaError):
    """The DuckDB store file exists but cannot be opened (damaged, or not a DuckDB file)."""


class StoreStaleError(StoreCorruptError):
    """The store file was built by other code (its views differ): rebuilt from data/ like a damaged one."""


class StoreConfigError(PbsaError):
    """The store is already open in this process with other settings."""


class QueryError(PbsaError):
    """A query failed: syntax error, unknown column or a constraint."""


class ReadOnlyError(QueryError):
    """A statement other than a single read was offered to a read-only entry point."""


class UnknownQueryError(PbsaError):
    """A named query has no .sql file."""


class SettingError(PbsaError):
    """A setting from the environment has a value the package cannot use."""
