#!/usr/bin/env python3
# astkind-hash.py: search the multiplier of lib/astkind.c's perfect hash (not a test).
# Reads the names from lib/astkind.h's AST_KIND_LIST; prints, for each table size, the first
# odd 32-bit multiplier (seeded: reproducible) under which no two names share a slot, for the
# key astkind.c builds (first byte, second byte, last byte, length).  Run it after adding a
# node type whose name collides, and put the result in MULTIPLIER (and SLOT_BITS).
import os
import random
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
names = re.findall(r"X\((\w+), \w+\)", open(os.path.join(root, "lib", "astkind.h")).read())


def key(s):
    return ord(s[0]) | ord(s[1]) << 8 | ord(s[-1]) << 16 | len(s) << 24


keys = [key(s) for s in names]
if len(set(keys)) != len(keys):
    sys.exit("astkind-hash: two names share first, second and last byte and length: change the key")
rng = random.Random(1)
for bits in (9, 10, 11):
    for tries in range(1, 1000001):
        m = rng.getrandbits(32) | 1
        if len({((k * m) & 0xFFFFFFFF) >> (32 - bits) for k in keys}) == len(keys):
            print(f"SLOT_BITS {bits}: MULTIPLIER 0x{m:08x}u ({len(names)} names, {tries} tries)")
            break
    else:
        print(f"SLOT_BITS {bits}: none in a million tries")
