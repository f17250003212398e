#!/usr/bin/env python3
"""Writes U-Boot's built-in default environment, with some variables changed, as mkenvimage input.

An environment U-Boot finds in flash replaces its default environment entirely, so an image that
only set bootdelay=0 would lose bootcmd, kernel_addr_r and every distro-boot variable. This tool
copies the default environment out of u-boot.bin (the NUL-separated "name=value" list that starts
with "bootcmd=" and ends with an empty string, include/env_default.h) and applies the changes.

usage: uboot-env.py U-BOOT.BIN OUT.txt [NAME=VALUE ...]
"""
import sys

# Variables every distro-boot U-Boot has in its default environment: finding them proves that
# the block we found is the environment and not some other string table.
REQUIRED = ("bootcmd", "bootdelay", "kernel_addr_r", "scriptaddr", "boot_targets")


def default_env(blob):
    start = blob.find(b"\0bootcmd=")
    if start < 0:
        raise SystemExit("uboot-env: no default environment (\"bootcmd=\") in the U-Boot image")
    end = blob.find(b"\0\0", start + 1)
    env = {}
    for entry in blob[start + 1:end].split(b"\0"):
        name, sep, value = entry.decode("ascii").partition("=")
        if not sep or not name:
            raise SystemExit(f"uboot-env: {entry!r} is not name=value: wrong string table")
        env[name] = value
    missing = [n for n in REQUIRED if n not in env]
    if missing:
        raise SystemExit(f"uboot-env: default environment lacks {', '.join(missing)}")
    return env


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    with open(argv[1], "rb") as f:
        env = default_env(f.read())
    for change in argv[3:]:
        name, sep, value = change.partition("=")
        if not sep:
            raise SystemExit(f"uboot-env: {change!r} is not NAME=VALUE")
        env[name] = value
    with open(argv[2], "w", encoding="ascii") as f:
        f.write(f"# Default environment of {argv[1]}, changed: {' '.join(argv[3:])}\n")
        for name, value in env.items():
            if "\n" in value:
                raise SystemExit(f"uboot-env: {name} holds a newline, mkenvimage cannot take it")
            f.write(f"{name}={value}\n")


if __name__ == "__main__":
    main(sys.argv)
