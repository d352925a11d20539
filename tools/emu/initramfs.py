"""Writes an initramfs (cpio "newc") holding /dev/console and the given files, without root.

usage: initramfs.py OUT HOST_PATH=ARCHIVE_PATH...
"""
import sys

def main(out, specs):
    next_ino = iter(range(1, 1 << 30))
    done = set()

    def entry(f, name, mode, data=b"", rdev=(0, 0)):
        fields = (next(next_ino), mode, 0, 0, 1, 0, len(data), 0, 0, *rdev, len(name) + 1, 0)
        head = b"070701" + b"".join(b"%08X" % v for v in fields) + name.encode() + b"\0"
        f.write(head + b"\0" * (-len(head) % 4) + data + b"\0" * (-len(data) % 4))

    def parents(f, path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in done:
                done.add(d)
                entry(f, d, 0o040755)

    with open(out, "wb") as f:
        parents(f, "dev/console")
        entry(f, "dev/console", 0o020600, rdev=(5, 1))
        for spec in specs:
            src, dst = spec.split("=", 1)
            dst = dst.lstrip("/")
            parents(f, dst)
            with open(src, "rb") as data:
                entry(f, dst, 0o100755, data.read())
        entry(f, "TRAILER!!!", 0)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
