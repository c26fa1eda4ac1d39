#!/usr/bin/env python3
"""Takes the embedded XML out of every hybrid PDF in a folder, with the factur-x library (PyPI), and reports what
each PDF declares about itself, as JSON on stdout.

Usage: facturx_extract.py PDF_FOLDER OUT_FOLDER
For each <stem>.pdf it writes OUT_FOLDER/<stem>.xml (the embedded e-invoice, byte for byte) and reports
{"<stem>": {"filename": "factur-x.xml", "pdfa_part": "3", "pdfa_conformance": "B",
            "fx_conformance": "EN 16931", "fx_filename": "factur-x.xml", "pdf_header": "%PDF-1.7"}}
The PDF/A and Factur-X values are read from the XMP metadata the document catalog points at (after incremental
updates), which is what a reader sees. Exit code 0 when every PDF had an embedded XML, 1 otherwise.
"""

import json
import os
import re
import sys

from facturx import get_xml_from_pdf
from pypdf import PdfReader


def xmp_value(xmp, prefix, name):
    # Either an element (<pdfaid:part>3</pdfaid:part>) or an attribute (pdfaid:part="3").
    m = re.search(rf"<{prefix}:{name}>([^<]*)</{prefix}:{name}>", xmp) or re.search(rf'{prefix}:{name}="([^"]*)"', xmp)
    return m.group(1) if m else None


def main():
    pdf_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    report, ok = {}, True
    for name in sorted(f for f in os.listdir(pdf_dir) if f.endswith(".pdf")):
        stem = name[: -len(".pdf")]
        data = open(os.path.join(pdf_dir, name), "rb").read()
        filename, xml = get_xml_from_pdf(data, check_xsd=False)
        entry = {"filename": filename, "pdf_header": data[:8].decode("latin-1")}
        if xml:
            open(os.path.join(out_dir, stem + ".xml"), "wb").write(xml)
        else:
            ok = False
        reader = PdfReader(os.path.join(pdf_dir, name))
        meta = reader.trailer["/Root"].get("/Metadata")
        xmp = meta.get_object().get_data().decode("utf-8") if meta is not None else ""
        entry["pdfa_part"] = xmp_value(xmp, "pdfaid", "part")
        entry["pdfa_conformance"] = xmp_value(xmp, "pdfaid", "conformance")
        entry["fx_conformance"] = xmp_value(xmp, "fx", "ConformanceLevel")
        entry["fx_filename"] = xmp_value(xmp, "fx", "DocumentFileName")
        entry["fx_type"] = xmp_value(xmp, "fx", "DocumentType")
        report[stem] = entry
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
