"""Who is asking: the principal every query, page and download runs for, and the access file that decides it.

Everything else only passes a Principal down; what a principal may see is decided in the data layer
(pbsa_analytics.services.scoping), never by hiding a widget.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pbsa_analytics.errors import PbsaError


class Role(StrEnum):
    FUNDER_ADMIN = "funder_admin"  # imports, undo, presenter controls
    FUNDER = "funder"  # all named data, read only
    PARTNERSHIP = "partnership"  # own place named, every other place anonymised
    PUBLIC = "public"  # programme-level aggregates only
    PARTICIPANT = "participant"  # the /pulse page only


# One line per role for the README and the "no access" page; a test checks every role is here and in the README.
ROLE_HELP: dict[Role, str] = {
    Role.FUNDER_ADMIN: "Funder staff who run the programme: all named data, monitoring imports and undo, "
    "presenter controls.",
    Role.FUNDER: "Funder staff and board: all named data, read only.",
    Role.PARTNERSHIP: "One partnership, bound to its place id: its own place named, every other place anonymised "
    "on every page, chart, table and download.",
    Role.PUBLIC: "Anyone else allowed in: programme-level aggregates only, small numbers suppressed.",
    Role.PARTICIPANT: "People in the room at a learning event: the /pulse page only.",
}


class AccessFileError(PbsaError):
    """The access file is missing or malformed."""


@dataclass(frozen=True)
class Principal:
    """A signed-in or locally trusted user: stable subject, display name, role and, for a partnership, its place."""

    subject: str
    display_name: str
    role: Role
    place_id: str | None = None

    @property
    def can_administer(self) -> bool:
        return self.role is Role.FUNDER_ADMIN

    @property
    def sees_all_names(self) -> bool:
        return self.role in {Role.FUNDER_ADMIN, Role.FUNDER}

    @property
    def audit_name(self) -> str:
        """How the audit trail records this principal: its stable subject, with the display name if different."""
        if self.subject == "local":
            return "local mode (no sign-in)"
        if self.display_name and self.display_name != self.subject:
            return f"{self.subject} ({self.display_name})"
        return self.subject


# The embedded default: one trusted person on 127.0.0.1 with funder-admin rights, stated in the header.
LOCAL_ADMIN = Principal(subject="local", display_name="Local mode (one trusted user)", role=Role.FUNDER_ADMIN)

PLACE_ID = re.compile(r"[a-z0-9_]{1,60}")
MAX_ACCESS_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class Grant:
    """One access-file entry: who (email or OIDC subject), which role, and a partnership's place."""

    who: str
    role: Role
    place_id: str | None = None


@dataclass(frozen=True)
class AccessList:
    """Every grant of the access file, looked up by e-mail address or OIDC subject (case-insensitive)."""

    grants: dict[str, Grant]

    def principal_for(self, *, subject: str, email: str | None, name: str | None) -> Principal | None:
        """The principal of a signed-in user, or None if the access file does not list them."""
        for key in (email, subject):
            grant = self.grants.get((key or "").strip().lower())
            if grant:
                return Principal(
                    subject=email or subject, display_name=name or email or subject, role=grant.role,
                    place_id=grant.place_id,
                )  # fmt: skip
        return None


def _grant(number: int, entry: object) -> Grant:
    if not isinstance(entry, dict):
        raise AccessFileError(f"user {number}: expected a table with 'email' (or 'subject') and 'role'")
    who = entry.get("email") or entry.get("subject")
    if not isinstance(who, str) or not who.strip():
        raise AccessFileError(f"user {number}: give an 'email' or a 'subject'")
    try:
        role = Role(entry.get("role"))
    except ValueError:
        allowed = ", ".join(role.value for role in Role)
        raise AccessFileError(f"user {number} ({who}): role {entry.get('role')!r} is not one of {allowed}") from None
    place_id = entry.get("place_id")
    if role is Role.PARTNERSHIP and not (isinstance(place_id, str) and PLACE_ID.fullmatch(place_id)):
        raise AccessFileError(f"user {number} ({who}): a partnership user needs a 'place_id' such as 'hartlepool'")
    if role is not Role.PARTNERSHIP and place_id is not None:
        raise AccessFileError(f"user {number} ({who}): only partnership users are bound to a place_id")
    return Grant(who=who.strip().lower(), role=role, place_id=place_id)


def parse_access(text: str) -> AccessList:
    """Read access-file TOML: [[users]] tables, each with email or subject, role and (partnership) place_id."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise AccessFileError(f"access file: {error}") from error
    users = raw.get("users", [])
    if not isinstance(users, list):
        raise AccessFileError("access file: 'users' must be a list of [[users]] tables")
    grants: dict[str, Grant] = {}
    for number, entry in enumerate(users, start=1):
        grant = _grant(number, entry)
        if grant.who in grants:
            raise AccessFileError(f"user {number} ({grant.who}) is listed twice")
        grants[grant.who] = grant
    return AccessList(grants)


def load_access(path: Path) -> AccessList:
    """Read the access file; a missing, oversized or malformed file is an error (sign-in then lets nobody in)."""
    if not path.is_file():
        raise AccessFileError(f"access file {path} does not exist")
    if path.stat().st_size > MAX_ACCESS_FILE_BYTES:
        raise AccessFileError(f"access file {path} is larger than {MAX_ACCESS_FILE_BYTES} bytes")
    return parse_access(path.read_text(encoding="utf-8"))
