"""pagoPA notice codes (codice avviso) and the QR code of the payment notice.

Notice code, 18 digits, with aux digit 3: ``3`` + segregation code (2) + IUV base (13) + check (2),
where check = (the 16 digits before it) mod 93, written with 2 digits. The IUV is the last 17 digits.
QR payload: ``PAGOPA|002|<notice>|<creditor's 11-digit fiscal code>|<amount in cents>``.
"""

from __future__ import annotations

import base64
import decimal
import io
import re

AUX_DIGIT = "3"


def check_digits(aux: str, segregation: str, base: str) -> str:
    return f"{int(aux + segregation + base) % 93:02d}"


def notice_code(segregation: str, base: str) -> str:
    if not re.fullmatch(r"\d{2}", segregation or ""):
        raise ValueError("the segregation code is 2 digits")
    if not re.fullmatch(r"\d{13}", base or ""):
        raise ValueError("the IUV base is 13 digits")
    return AUX_DIGIT + segregation + base + check_digits(AUX_DIGIT, segregation, base)


def iuv_of(notice: str) -> str:
    return notice[1:]


def is_valid_notice(code: str) -> bool:
    code = (code or "").strip()
    if not re.fullmatch(r"3\d{17}", code):
        return False
    return check_digits(code[0], code[1:3], code[3:16]) == code[16:]


def normalize_notice(raw: str) -> str:
    """Notice codes are printed in groups (``3010 0000 0001 2345 19``): keep the digits."""
    return re.sub(r"\D", "", raw or "")


def iuv_base(year: int, series_digit: int, sequence: int) -> str:
    """13 digits unique per document: year (4) + series (1) + progressive number (8)."""
    return f"{year:04d}{series_digit:01d}{sequence:08d}"


def qr_payload(notice: str, creditor_fiscal_code: str, amount: decimal.Decimal) -> str:
    cents = int((decimal.Decimal(amount) * 100).quantize(decimal.Decimal("1"), rounding=decimal.ROUND_HALF_UP))
    return f"PAGOPA|002|{notice}|{creditor_fiscal_code}|{cents}"


def qr_svg(payload: str) -> str:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


def qr_data_uri(payload: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(payload).encode()).decode()


def grouped(notice: str) -> str:
    """How the notice is printed for people: groups of four."""
    return " ".join(notice[i : i + 4] for i in range(0, len(notice), 4))
