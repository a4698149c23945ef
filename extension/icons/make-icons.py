#!/usr/bin/env python3
"""Draws the keyrelay icons (a white key on a red rounded square) as PNGs
with the standard library only. Run from this folder: python3 make-icons.py"""
import struct
import zlib


def inside(x, y):
    """Shape test in a 0..1 square: returns 'bg', 'fg' or None."""
    # rounded square background
    r = 0.18
    cx, cy = min(max(x, r), 1 - r), min(max(y, r), 1 - r)
    if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
        return None
    # key: ring at left, shaft to the right, two teeth
    d2 = (x - 0.33) ** 2 + (y - 0.5) ** 2
    if 0.09 ** 2 <= d2 <= 0.19 ** 2:
        return "fg"
    if 0.46 <= x <= 0.84 and 0.45 <= y <= 0.55:
        return "fg"
    if (0.64 <= x <= 0.71 or 0.77 <= x <= 0.84) and 0.55 <= y <= 0.68:
        return "fg"
    return "bg"


def render(n, ss=4):
    rows = []
    for py in range(n):
        row = bytearray([0])
        for px in range(n):
            acc = [0, 0, 0, 0]
            for sy in range(ss):
                for sx in range(ss):
                    k = inside((px + (sx + 0.5) / ss) / n, (py + (sy + 0.5) / ss) / n)
                    if k == "bg":
                        c = (191, 0, 0, 255)
                    elif k == "fg":
                        c = (255, 255, 255, 255)
                    else:
                        c = (0, 0, 0, 0)
                    for i in range(4):
                        acc[i] += c[i]
            a = acc[3] / (ss * ss)
            if a:
                rgb = [int(acc[i] / (acc[3] / 255)) for i in range(3)]
            else:
                rgb = [0, 0, 0]
            row += bytes(rgb + [int(round(a))])
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


for size in (16, 32, 48, 128):
    with open(f"icon{size}.png", "wb") as f:
        f.write(render(size))
