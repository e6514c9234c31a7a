#!/usr/bin/env python3
"""Opens a Consentry wallet with an outside SQLCipher 4 client and prints its cards as JSON.

Proof that the wallet is standard SQLCipher: nothing of ours is needed to read it, only the
raw key. Usage: outside_client.py WALLET_DB HEX_KEY   (needs PyPI sqlcipher3-binary)
"""

import json
import sys

import sqlcipher3


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, hex_key = sys.argv[1], sys.argv[2]
    if len(hex_key) != 64 or any(c not in "0123456789abcdefABCDEF" for c in hex_key):
        print("the key must be 64 hex digits", file=sys.stderr)
        return 2
    # Read-only: looking must not change the file.
    db = sqlcipher3.connect(f"file:{path}?mode=ro", uri=True)
    db.execute(f"PRAGMA key = \"x'{hex_key}'\"")
    version = db.execute("PRAGMA cipher_version").fetchone()[0]
    rows = db.execute(
        "SELECT token, brand, last4, exp_month, exp_year, nickname, status "
        "FROM cards ORDER BY token"
    ).fetchall()
    cards = [
        dict(zip(("token", "brand", "last4", "exp_month", "exp_year", "nickname", "status"), r))
        for r in rows
    ]
    db.close()
    print(json.dumps({"cipher_version": version, "cards": cards}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
