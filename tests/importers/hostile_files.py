"""Tiny hostile workbooks written from code: the XML of a sheet or an ods table, zipped."""

from __future__ import annotations

import io
import zipfile

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def question_rows() -> str:
    """A header row and one valid question, as sheet XML rows 1 and 2."""
    header = "".join(text_cell(f"{col}1", name)
                     for col, name in zip("ABCD", ("question", "a", "b", "answer"), strict=True))
    row = "".join(text_cell(f"{col}2", text) for col, text in zip("ABCD", ("Q?", "x", "y", "A"), strict=True))
    return f'<row r="1">{header}</row><row r="2">{row}</row>'


def xlsx_with_sheet(sheet_data: str, *, before: str = "", shared_strings: str | None = None,
                    sheet_name: str = "Câu hỏi", sheet_xml: bytes | None = None) -> bytes:
    """An xlsx whose one sheet holds `sheet_data` (the inside of <sheetData>), `before` it
    (e.g. a <dimension>), and optionally a shared-strings part; `sheet_xml` replaces the sheet."""
    sheet = sheet_xml if sheet_xml is not None else (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">{before}'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    ).encode()
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">'
                f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
                                        f'Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
                                        "</Relationships>")
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{_RELS}"><Relationship '
                                                       f'Id="rId1" Type="{_DOC_RELS}/worksheet" '
                                                       'Target="worksheets/sheet1.xml"/></Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
    return buffer.getvalue()


def ods_with_table(rows: str, *, namespaces: str = ODS_NAMESPACES, name: str = "Câu hỏi",
                   more: dict[str, str] | None = None) -> bytes:
    """An ods whose table holds `rows` (<table:table-row> elements), then tables `more` (name: rows)."""
    tables = "".join(f'<table:table table:name="{title}"><table:table-column table:number-columns-repeated='
                     f'"1024"/>{body}</table:table>' for title, body in {name: rows, **(more or {})}.items())
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {namespaces} '
               f'office:version="1.2"><office:body><office:spreadsheet>{tables}'
               "</office:spreadsheet></office:body></office:document-content>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), _ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_MIMETYPE}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>"))
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def ods_cell(text: str, repeat: int = 1) -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return (f'<table:table-cell office:value-type="string"{repeated}><text:p>{text}</text:p>'
            "</table:table-cell>")


def ods_row(*cells: str, repeat: int = 1) -> str:
    repeated = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{repeated}>{''.join(cells)}</table:table-row>"


def ods_question_rows() -> str:
    """A header row and one valid question."""
    return (ods_row(*(ods_cell(name) for name in ("question", "a", "b", "answer")))
            + ods_row(*(ods_cell(text) for text in ("Q?", "x", "y", "A"))))
