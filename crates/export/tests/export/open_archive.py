"""Decrypts an age archive with the `age` command-line tool, typing the password at its
terminal prompt (age reads passphrases from a terminal only), then opens the zip inside with
Python's zipfile, checks every CRC and extracts it.

usage: open_archive.py ARCHIVE PASSWORD OUTDIR  -> prints {"names": [...]}"""
import json
import os
import pty
import sys
import zipfile

archive, password, outdir = sys.argv[1], sys.argv[2], sys.argv[3]
decrypted = os.path.join(outdir, "archive.zip")

pid, fd = pty.fork()
if pid == 0:
    os.execvp("age", ["age", "--decrypt", "-o", decrypted, archive])
seen = b""
while b"passphrase" not in seen.lower():
    chunk = os.read(fd, 1024)
    if not chunk:
        break
    seen += chunk
os.write(fd, password.encode() + b"\n")
while True:
    try:
        if not os.read(fd, 1024):
            break
    except OSError:
        break
_, status = os.waitpid(pid, 0)
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit(f"age --decrypt failed: {seen!r}")

with zipfile.ZipFile(decrypted) as z:
    bad = z.testzip()
    if bad is not None:
        sys.exit(f"bad CRC in {bad}")
    z.extractall(os.path.join(outdir, "extracted"))
    names = z.namelist()
json.dump({"names": names}, sys.stdout)
