"""Every bound on an uploaded file, in one place (README, "Limits", quotes them).

Read as `limits.MAX_ROWS` at the point of use, so one setting (or one test's monkeypatch)
applies everywhere. The sizes keep the largest accepted import well inside a web worker's
30-second timeout and its memory a small multiple of the file's unpacked size.
"""

from __future__ import annotations

MAX_FILE_BYTES = 200 * 1024 * 1024  # the web upload limit (EXAMAPP_UPLOAD_LIMIT_BYTES) is lower
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # all parts of a workbook, inflated
MAX_RATIO = 200  # inflated / packed size of one zip part
RATIO_MIN_BYTES = 1024 * 1024  # a part this small cannot hurt whatever its ratio
MAX_MEMBERS = 10_000  # parts in one workbook

MAX_ROWS = 50_000  # of a sheet (its last used row), CSV records, GIFT/Aiken questions
MAX_COLUMNS = 256  # of a sheet (A..IV)
MAX_CELLS = 3_000_000  # rows x columns of a sheet: what a reader allocates for it
MAX_TEXT_LINES = 1_000_000  # of a GIFT or Aiken file
MAX_ROSTER_ROWS = 20_000  # people in one list (candidates, accounts)

MAX_ERRORS = 1_000  # row errors listed and kept per import; the rest are only counted
