"""The unified social credit code (统一社会信用代码, GB 32100-2015).

18 characters: 1 registering department, 2 kind within that department, 3–8 administrative
division, 9–17 organization code, 18 a check character computed modulo 31. The alphabet is
0-9 and A–Y without I, O, S, V and Z. A wrong code is the most common data-entry error, so
each kind of mistake gets its own message, and a wrong check character names the right one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from incubator.i18n import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18

# Registering department → the kinds of organization it registers (GB 32100-2015, table 1).
DEPARTMENT_KINDS = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直接管理的群众团体, 其他
    "2": "19",  # 外交: 外国常驻新闻机构, 其他
    "3": "123459",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化: 外国在华文化中心, 其他
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游: 外国旅游部门常驻代表机构, 港澳台地区旅游部门常驻代表机构, 其他
    "7": "129",  # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",  # 工会: 基层工会, 其他
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",  # 其他
}
CIVIL_AFFAIRS = "5"


class CreditCodeError(ValueError):
    def __init__(self, message: str, expected_check: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expected_check = expected_check


@dataclass(frozen=True)
class CreditCode:
    code: str

    @property
    def department(self) -> str:
        return self.code[0]

    @property
    def kind(self) -> str:
        return self.code[1]

    @property
    def division(self) -> str:
        return self.code[2:8]

    @property
    def civil_affairs(self) -> bool:
        return self.department == CIVIL_AFFAIRS


def normalise(raw: str) -> str:
    """Trim, drop inner spaces and dashes, turn full-width characters into ASCII, upper-case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-_").upper()


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def parse(raw: str) -> CreditCode:
    """The normalised code, or CreditCodeError with a translated reason."""
    code = normalise(raw)
    if not code:
        raise CreditCodeError(_("Enter the 18-character unified social credit code."))
    if len(code) != LENGTH:
        raise CreditCodeError(
            _("A unified social credit code has 18 characters; this one has %(n)s.", n=len(code))
        )
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        raise CreditCodeError(
            _("These characters cannot appear in a credit code: %(chars)s (the letters I, O, S, V and Z "
              "are never used).", chars=" ".join(bad))
        )
    department, kind = code[0], code[1]
    if department not in DEPARTMENT_KINDS:
        raise CreditCodeError(_("The first character, %(c)s, is not a registering department.", c=department))
    if kind not in DEPARTMENT_KINDS[department]:
        raise CreditCodeError(
            _("The second character, %(c)s, is not a kind of organization that department %(d)s registers.",
              c=kind, d=department)
        )
    if not code[2:8].isdigit():
        raise CreditCodeError(_("Characters 3 to 8 must be the six digits of an administrative division code."))
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(
            _("The last character (the check character) should be %(expected)s, not %(got)s: "
              "one of the characters is probably mistyped.", expected=expected, got=code[17]),
            expected_check=expected,
        )
    return CreditCode(code)


def make(first17: str) -> str:
    """A valid code from its first 17 characters (demo data and tests)."""
    return first17 + check_character(first17)
