"""Fill msgstrs of a .po file from a Python dict file (T = {msgid: msgstr}).

    .venv/bin/python scripts/po_fill.py path/to/messages.po translations.py
Only empty msgstrs are filled; prints the msgids still untranslated.
"""

import runpy
import sys

from babel.messages.pofile import read_po, write_po

po_path, table_path = sys.argv[1], sys.argv[2]
table = runpy.run_path(table_path)["T"]
with open(po_path, "rb") as handle:
    catalog = read_po(handle)
for message in catalog:
    if message.id and not message.string and message.id in table:
        message.string = table[message.id]
with open(po_path, "wb") as handle:
    write_po(handle, catalog, width=0)
for message in catalog:
    if message.id and not message.string:
        print("untranslated:", repr(message.id))
