"""Parses an OFX file with ofxtools and prints its statements as JSON."""
import json
import sys

from ofxtools.Parser import OFXTree

tree = OFXTree()
tree.parse(sys.argv[1])
ofx = tree.convert()
statements = []
for stmt in ofx.statements:
    statements.append({
        "acctid": stmt.account.acctid,
        "curdef": stmt.curdef,
        "ledgerbal": str(stmt.ledgerbal.balamt),
        "transactions": [
            {
                "trntype": t.trntype,
                "dtposted": t.dtposted.isoformat(),
                "trnamt": str(t.trnamt),
                "fitid": t.fitid,
                "name": t.name,
                "memo": t.memo,
            }
            for t in stmt.transactions
        ],
    })
json.dump({"statements": statements}, sys.stdout)
