"""The one exception tree of ceasefire.

Every error the library raises on purpose derives from :class:`CeasefireError`::

    CeasefireError
    ├── InputError              bad input from a user's file; carries file, line, field, value
    │   ├── AgreementError      an agreement YAML that does not validate
    │   ├── GeometryError       a zone or route file that cannot be used
    │   ├── EventReadError      an evidence file that cannot be read at all (bad rows are
    │   │                       rejected, not raised)
    │   ├── TrackError          a patrol track or plan that cannot be used as it is (names the
    │   │                       file, the point index, the field and the value)
    │   └── LimitError          an input over one of the limits of :mod:`ceasefire.limits`
    │                           (names the limit and its value)
    ├── UnknownIdError          an agreement, provision or zone id that does not exist
    ├── StoreError              the store cannot do what was asked (schema too new, ...)
    │   ├── ConflictError       a write that clashes with what is stored (a taken user name)
    │   └── StoreBusyError      another writer held the store's lock past the busy timeout
    │                           (try again: web 503 with Retry-After)
    ├── DeliveryError           an alert that could not be delivered (an SMTP server or a
    │                           webhook receiver down or refusing; no SMTP settings)
    ├── FetchError              a provider's API did not answer as it should (names the URL
    │                           without credentials and the status), or no credentials
    ├── AccessError             a request the caller may not make (web: 401 / 403)
    │   ├── NotAuthenticatedError   no valid login, session or token
    │   └── ForbiddenError          the role does not allow it
    │       └── CsrfError           a browser write without its CSRF header
    └── MissingDependencyError  an optional extra is not installed

Errors say what was wrong and where: ``file:line: field: problem (value)``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AccessError",
    "AgreementError",
    "CeasefireError",
    "ConflictError",
    "CsrfError",
    "DeliveryError",
    "EventReadError",
    "FetchError",
    "ForbiddenError",
    "GeometryError",
    "InputError",
    "LimitError",
    "MissingDependencyError",
    "NotAuthenticatedError",
    "StoreBusyError",
    "StoreError",
    "TrackError",
    "UnknownIdError",
]


class CeasefireError(Exception):
    """Base class of every error ceasefire raises on purpose."""


class InputError(CeasefireError):
    """Bad input, located as precisely as we know: file, line, field and the offending value.

    >>> str(InputError("not a date", file="a.yaml", line=3, field="signed.date", value="soon"))
    "a.yaml:3: signed.date: not a date ('soon')"
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        value: Any = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.line = line
        self.field = field
        self.value = value
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        elif self.line is not None:
            where = f"line {self.line}: "
        field = f"{_one_line(self.field)}: " if self.field else ""
        value = f" ({self.value!r})" if self.value is not None else ""
        return f"{where}{field}{self.problem}{value}"


def _one_line(text: str) -> str:
    """``text`` with control and other unprintable characters escaped: a field name read from
    a user's file (a YAML key, say) must not break an error's one line.

    >>> _one_line("provisions.0.id"), _one_line("a\\x1eb")
    ('provisions.0.id', 'a\\\\x1eb')
    """
    return text if text.isprintable() else repr(text)[1:-1]


class AgreementError(InputError):
    """An agreement file that does not validate.

    ``errors`` holds every problem found, not just the first.
    """

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(
            first.problem, file=first.file, line=first.line, field=first.field, value=first.value
        )

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class GeometryError(InputError):
    """A geometry (zone, route) that cannot be used as asked."""


class LimitError(InputError):
    """An input over one of the limits of :mod:`ceasefire.limits`; the message names the limit.

    >>> str(LimitError("nested deeper than", limit=64, file="a.json", line=1))
    'a.json:1: nested deeper than 64 (the limit)'
    """

    def __init__(self, problem: str, *, limit: int, **where: Any) -> None:
        self.limit = limit
        super().__init__(f"{problem} {limit:,} (the limit)", **where)


class EventReadError(InputError):
    """An evidence file that cannot be read at all (missing, wrong format, no header).

    Single bad rows are never raised: they become :class:`ceasefire.sources.Reject` rows.
    """


class UnknownIdError(CeasefireError, KeyError):
    """An id (agreement, provision, zone) that is not known."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown id"


class StoreError(CeasefireError):
    """The store cannot do what was asked."""


class MissingDependencyError(CeasefireError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class TrackError(InputError):
    """A patrol track or plan that cannot be used as it is: no points, a point without a time,
    times out of order, a jump faster than a vehicle, coordinates in the wrong CRS.

    >>> str(TrackError("time goes backwards", file="a.gpx", field="point 3 time", value="09:00"))
    "a.gpx: point 3 time: time goes backwards ('09:00')"
    """


class ConflictError(StoreError):
    """A write that clashes with what is stored: a user name that is taken, say."""


class StoreBusyError(StoreError):
    """Another writer held the store's write lock longer than the busy timeout; nothing was
    written, and the same write may simply be tried again."""


class FetchError(CeasefireError):
    """A provider's API (UCDP, ACLED) refused or failed a request past the retries, answered
    what cannot be read, or no credentials were found. The message names the URL (never with a
    credential) and the status; the fetch's progress is kept, so a rerun resumes."""


class DeliveryError(CeasefireError):
    """An alert that could not be delivered: the SMTP server or the webhook receiver did not
    take it, or the channel is not configured. The message names the channel and why, never a
    password or a signing secret."""


class AccessError(CeasefireError):
    """A request the caller may not make (the web layer answers 401 or 403)."""


class NotAuthenticatedError(AccessError):
    """No valid login, session or token, where one is needed."""


class ForbiddenError(AccessError):
    """A known user whose role does not allow the action, or a write without its CSRF header."""


class CsrfError(ForbiddenError):
    """A write authenticated by the session cookie without the header that proves it came from
    this site's own pages (the web layer answers ``403 csrf``)."""
