#!/usr/bin/env python3
"""Writes the OpenCV reference fixtures of the vision tests (run from this folder with the system Python).

The product never needs OpenCV: these files record what OpenCV 4.x (cv2.resize INTER_LINEAR, cv2.cvtColor,
cv2.imread IMREAD_COLOR) returns, so that the tests can hold SsdLite's managed code to it. Needs python3-opencv,
python3-numpy and python3-pil (Debian: apt-get install python3-opencv python3-numpy python3-pil).

Resize and colour inputs are not stored: both sides rebuild them from the same small generator (Lcg below and
VisionFixtures.Lcg in the tests), so only the outputs are kept, gzip-compressed. Decode fixtures are real
encoded files (JPEG, PNG, BMP, WebP) and OpenCV's decoded pixels, RGB, raw.

Layout: manifest.json lists every case; resize/*.bin.gz and hsv/*.bin.gz hold outputs (uint8, or float32
little-endian); decode/ holds the encoded files and decode/*.rgb their expected pixels (HWC RGB uint8).
"""
import gzip
import io
import json
import os
import sys

import cv2
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


class Lcg:
    """32-bit linear congruential generator (Numerical Recipes constants); the tests use the same."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def next(self):
        self.state = (self.state * 1664525 + 1013904223) & 0xFFFFFFFF
        return self.state

    def bytes(self, n):
        out = np.empty(n, dtype=np.uint8)
        for i in range(n):
            out[i] = self.next() >> 24
        return out

    def floats(self, n, scale):
        # (state >> 8) / 2^24 * scale in double, then rounded to float32: the tests compute the same.
        out = np.empty(n, dtype=np.float32)
        for i in range(n):
            out[i] = np.float32((self.next() >> 8) * (scale / 16777216.0))
        return out


def write_gz(rel, array):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # mtime=0 keeps the files byte-identical from run to run.
    with open(path, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(np.ascontiguousarray(array).tobytes())


def resize_cases(manifest):
    # (seed, width, height, channels, targets): odd sizes, up and down, exact 2x down (OpenCV switches to its
    # INTER_AREA fast path there), 4x down (plain bilinear), same size (a copy), and the detector's 300x300.
    u8 = [
        (11, 37, 23, 3, [(111, 97), (74, 46), (18, 11), (100, 7), (13, 50), (37, 23), (1, 1)]),
        (12, 500, 375, 3, [(300, 300), (250, 188), (213, 157), (777, 16)]),
        (13, 1, 5, 3, [(3, 3), (1, 1), (4, 10), (1, 2)]),
        (14, 9, 1, 3, [(4, 1), (20, 3)]),
        (15, 600, 400, 3, [(300, 200), (150, 150)]),
        (16, 64, 64, 3, [(32, 32), (16, 16), (96, 96)]),
        (17, 29, 31, 1, [(100, 100), (14, 15), (58, 62)]),
    ]
    for seed, w, h, cn, targets in u8:
        src = Lcg(seed).bytes(w * h * cn).reshape(h, w, cn) if cn > 1 else Lcg(seed).bytes(w * h).reshape(h, w)
        for dw, dh in targets:
            out = cv2.resize(src, (dw, dh), interpolation=cv2.INTER_LINEAR)
            rel = f"resize/u8_s{seed}_{w}x{h}x{cn}_to_{dw}x{dh}.bin.gz"
            write_gz(rel, out)
            manifest["resize_u8"].append(dict(seed=seed, width=w, height=h, channels=cn, dst_width=dw,
                                              dst_height=dh, file=rel))

    f32 = [
        (21, 37, 23, 3, [(64, 48), (20, 15), (111, 57), (18, 11), (37, 23)]),
        (22, 1, 5, 1, [(3, 3), (4, 10)]),
        (23, 40, 30, 3, [(20, 15)]),
    ]
    for seed, w, h, cn, targets in f32:
        src = Lcg(seed).floats(w * h * cn, 255.0).reshape(h, w, cn)
        for dw, dh in targets:
            out = cv2.resize(src, (dw, dh), interpolation=cv2.INTER_LINEAR).astype(np.float32)
            rel = f"resize/f32_s{seed}_{w}x{h}x{cn}_to_{dw}x{dh}.bin.gz"
            write_gz(rel, out)
            manifest["resize_f32"].append(dict(seed=seed, width=w, height=h, channels=cn, dst_width=dw,
                                               dst_height=dh, file=rel))

    # A region of a larger float image, as the SSD crop resizes it: OpenCV reads it through the parent's stride.
    seed, w, h = 24, 50, 40
    src = Lcg(seed).floats(w * h * 3, 255.0).reshape(h, w, 3)
    for (x, y, rw, rh, dw, dh) in [(7, 5, 31, 23, 64, 48), (0, 0, 50, 40, 30, 30), (13, 9, 20, 20, 10, 10)]:
        out = cv2.resize(src[y:y + rh, x:x + rw], (dw, dh), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        rel = f"resize/region_s{seed}_{x}_{y}_{rw}x{rh}_to_{dw}x{dh}.bin.gz"
        write_gz(rel, out)
        manifest["resize_region"].append(dict(seed=seed, width=w, height=h, channels=3, x=x, y=y, region_width=rw,
                                              region_height=rh, dst_width=dw, dst_height=dh, file=rel))


def hsv_cases(manifest):
    seed, n = 31, 4096
    rgb = Lcg(seed).floats(n * 3, 255.0).reshape(1, n, 3)
    # Greys, pure colours, ties between channels, and extremes of the range.
    special = np.array([[0, 0, 0], [255, 255, 255], [128, 128, 128], [255, 0, 0], [0, 255, 0], [0, 0, 255],
                        [255, 255, 0], [0, 255, 255], [255, 0, 255], [100, 50, 50], [50, 100, 100],
                        [10, 10, 20], [200, 200, 10], [1e-3, 0, 0], [254.5, 254.5, 0.25]], dtype=np.float32)
    rgb[0, :len(special)] = special
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    write_gz("hsv/rgb2hsv.bin.gz", hsv)
    # HSV to RGB from the same generator's values scaled to H in [0, 360), S in [0, 1], V in [0, 255].
    gen = Lcg(seed + 1)
    hsv_in = np.empty((1, n, 3), dtype=np.float32)
    hsv_in[0, :, 0] = gen.floats(n, 360.0)
    hsv_in[0, :, 1] = gen.floats(n, 1.0)
    hsv_in[0, :, 2] = gen.floats(n, 255.0)
    back = cv2.cvtColor(hsv_in, cv2.COLOR_HSV2RGB)
    write_gz("hsv/hsv2rgb.bin.gz", back)
    manifest["hsv"] = dict(seed=seed, count=n, special=special.tolist(), rgb2hsv="hsv/rgb2hsv.bin.gz",
                           hsv2rgb="hsv/hsv2rgb.bin.gz")


def scene(width, height, seed):
    """A photo-like RGB test picture: gradients, a few shapes with sharp edges, and mild noise."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    r = 40 + 180 * xx / max(1, width - 1)
    g = 30 + 160 * yy / max(1, height - 1)
    b = 128 + 90 * np.sin(xx / 7.0) * np.cos(yy / 5.0)
    img = np.stack([r, g, b], axis=-1)
    cv2.circle(img, (width // 3, height // 2), max(2, min(width, height) // 4), (250, 40, 30), -1)
    cv2.rectangle(img, (width // 2, height // 5), (width - 4, height // 2), (20, 200, 60), -1)
    noise = Lcg(seed).bytes(width * height * 3).reshape(height, width, 3).astype(np.float32)
    img = img + (noise - 128) * 0.06
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def decode_cases(manifest):
    os.makedirs(os.path.join(HERE, "decode"), exist_ok=True)
    rgb = scene(96, 72, 41)
    odd = scene(45, 30, 42)

    def save_pil(name, array, **kwargs):
        buf = io.BytesIO()
        (array if isinstance(array, Image.Image) else Image.fromarray(array)).save(buf, **kwargs)
        with open(os.path.join(HERE, "decode", name), "wb") as f:
            f.write(buf.getvalue())

    def save_cv(name, array, params=()):
        ok, data = cv2.imencode(os.path.splitext(name)[1], cv2.cvtColor(array, cv2.COLOR_RGB2BGR), list(params))
        assert ok
        with open(os.path.join(HERE, "decode", name), "wb") as f:
            f.write(data.tobytes())

    save_cv("baseline420.jpg", rgb, [cv2.IMWRITE_JPEG_QUALITY, 90])
    save_pil("baseline444.jpg", rgb, format="JPEG", quality=92, subsampling=0)
    save_pil("baseline422.jpg", rgb, format="JPEG", quality=85, subsampling=1)
    save_pil("progressive.jpg", rgb, format="JPEG", quality=90, progressive=True)
    save_pil("odd45x30.jpg", odd, format="JPEG", quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6
    save_pil("exif6.jpg", odd, format="JPEG", quality=90, exif=exif.tobytes())
    exif[0x0112] = 3
    save_pil("exif3.jpg", odd, format="JPEG", quality=90, exif=exif.tobytes())
    exif[0x0112] = 8
    save_pil("exif8.jpg", odd, format="JPEG", quality=90, exif=exif.tobytes())
    save_pil("grey.jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), format="JPEG", quality=90)
    save_cv("rgb.png", rgb)
    rgba = np.dstack([odd, (np.arange(45 * 30) % 256).reshape(30, 45).astype(np.uint8)])
    save_pil("rgba.png", rgba, format="PNG")
    save_pil("palette.png", Image.fromarray(odd).quantize(colors=16), format="PNG")
    save_pil("grey.png", cv2.cvtColor(odd, cv2.COLOR_RGB2GRAY), format="PNG")
    save_cv("rgb.bmp", odd)
    save_cv("lossless.webp", odd, [cv2.IMWRITE_WEBP_QUALITY, 101])
    save_cv("lossy.webp", rgb, [cv2.IMWRITE_WEBP_QUALITY, 80])

    for name in sorted(os.listdir(os.path.join(HERE, "decode"))):
        if name.endswith(".rgb"):
            continue
        path = os.path.join(HERE, "decode", name)
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        assert bgr is not None, name
        out = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        with open(path + ".rgb", "wb") as f:
            f.write(out.tobytes())
        manifest["decode"].append(dict(file="decode/" + name, expected="decode/" + name + ".rgb",
                                       width=int(out.shape[1]), height=int(out.shape[0])))


def main():
    if not os.path.isfile(os.path.join(HERE, "make_fixtures.py")):
        sys.exit("run from the fixtures folder")
    manifest = dict(opencv=cv2.__version__, numpy=np.__version__, resize_u8=[], resize_f32=[], resize_region=[],
                    decode=[])
    resize_cases(manifest)
    hsv_cases(manifest)
    decode_cases(manifest)
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
