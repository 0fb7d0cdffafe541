"""Text cells of the CSV exports, safe to open in a spreadsheet.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or with a tab or a carriage return, which
some spreadsheets skip before those) is read as a formula by Excel, LibreOffice and Google
Sheets, and names and ids come from whoever sends events. Such a cell gets a leading apostrophe,
which spreadsheets show as plain text (OWASP's advice on CSV injection).
"""

from __future__ import annotations

__all__ = ["text_cell"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value
