#!/usr/bin/env python3
"""Babel as a CLDR formatting oracle for the Rust i18n code (tests/tests/it/i18n.rs).

Reads a JSON list of cases on stdin and prints one JSON object on stdout:

    {"babel": "2.19.0", "cldr": "49", "results": [{"text": "...", ...}, ...]}

with one result per case, in order. Cases (locale is a Babel id such as de_DE or zh_Hans_CN):

    {"kind": "money", "locale": L, "minor": 123456, "exponent": 2, "currency": "EUR"}
        format_currency of exactly minor * 10^-exponent; the result also has "digits", Babel's
        CLDR precision for the currency, so the caller only compares exact values (Babel rounds
        half-even to those digits).
    {"kind": "decimal", "locale": L, "value": "1234.5"}      format_decimal, every digit kept
    {"kind": "percent", "locale": L, "value": "7.7"}         format_percent of value/100, every digit kept
    {"kind": "date", "locale": L, "date": "2026-03-01", "style": "medium" | "long"}
    {"kind": "currency_name", "locale": L, "currency": "EUR"}
    {"kind": "currency_symbol", "locale": L, "currency": "EUR"}

Numbers travel as strings and integers and become decimal.Decimal: nothing passes through a float.
"""

import datetime
import json
import sys
from decimal import Decimal

import babel
from babel.core import get_cldr_version
from babel.dates import format_date
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_name,
    get_currency_precision,
    get_currency_symbol,
)


def run(case):
    kind, locale = case["kind"], case["locale"]
    if kind == "money":
        value = Decimal(int(case["minor"])).scaleb(-int(case["exponent"]))
        return {
            "text": format_currency(value, case["currency"], locale=locale),
            "digits": get_currency_precision(case["currency"]),
        }
    if kind == "decimal":
        return {"text": format_decimal(Decimal(case["value"]), locale=locale, decimal_quantization=False)}
    if kind == "percent":
        value = Decimal(case["value"]).scaleb(-2)
        return {"text": format_percent(value, locale=locale, decimal_quantization=False)}
    if kind == "date":
        day = datetime.date.fromisoformat(case["date"])
        return {"text": format_date(day, format=case["style"], locale=locale)}
    if kind == "currency_name":
        return {"text": get_currency_name(case["currency"], locale=locale)}
    if kind == "currency_symbol":
        return {"text": get_currency_symbol(case["currency"], locale=locale)}
    raise ValueError(f"unknown case kind {kind!r}")


def main():
    cases = json.load(sys.stdin)
    out = {"babel": babel.__version__, "cldr": str(get_cldr_version()), "results": [run(c) for c in cases]}
    json.dump(out, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
