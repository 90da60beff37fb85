#!/usr/bin/env bash
# Re-extracts every translatable string and merges it into the Chinese catalog.
# Then fill in the empty msgstr entries in incubator/locale/zh_CN/LC_MESSAGES/messages.po;
# tests/test_i18n.py fails while any string lacks a translation.
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel extract -F babel.cfg --ignore-dirs=".* __pycache__" -k N_ -k _ -k gettext -k ngettext:1,2 --no-location --sort-output \
  --project=incubator -o /tmp/incubator-messages.pot . >/dev/null 2>&1
po=incubator/locale/zh_CN/LC_MESSAGES/messages.po
if [ -f "$po" ]; then
  pybabel update -i /tmp/incubator-messages.pot -o "$po" -l zh_CN --no-fuzzy-matching --ignore-obsolete >/dev/null 2>&1
else
  mkdir -p "$(dirname "$po")"
  pybabel init -i /tmp/incubator-messages.pot -o "$po" -l zh_CN >/dev/null 2>&1
fi
echo "untranslated: $(python - "$po" <<'PY'
import sys
from babel.messages.pofile import read_po
catalog = read_po(open(sys.argv[1], "rb"))
print(sum(1 for m in catalog if m.id and not m.string))
PY
)"
