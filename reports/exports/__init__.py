"""Exports of a programme's (or every programme's) data as CSV or XLSX: the column
definitions (`columns`), the writers (`writers`) and the forms of the export pages
(`forms`). The service that runs them is `reports.services.exports`; the format of every
file is documented in docs/exports.md."""
