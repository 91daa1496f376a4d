#!/usr/bin/python3
"""Regenerates the .pth fixtures for the SsdLite.Torch serialization tests.

Run once with Debian's python3-torch (torch 1.13): /usr/bin/python3 make_fixtures.py [ORACLE.pth]
The tests never run Python; they read what this script writes next to it:

  small-zip.pth      torch.save(state_dict)                                     (zip format)
  small-legacy.pth   torch.save(state_dict, _use_new_zipfile_serialization=False) (legacy stream)
  small-*-proto4.pth the same with pickle_protocol=4 (FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE)
  expected.json      per key, in file order: dtype, shape and the name of a .bin file
  expected/*.bin     each tensor's values, contiguous, row-major, little-endian, written by numpy
  evil-zip.pth       a zip checkpoint whose pickle names os.system (must be refused, never run)
  evil-legacy.pth    the same global in a bare pickle stream
  training-state.pth {"model": state_dict, "epoch": 3}: not a bare state_dict (must be refused by key)
  ../oracle/mb2-ssd-lite-seed1234-c21-legacy.pth   the oracle checkpoint re-saved in the legacy format
"""
import collections
import io
import json
import os
import pickle
import sys
import zipfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def small_state_dict():
    g = torch.Generator().manual_seed(7)
    shared = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 1.0
    sd = collections.OrderedDict()
    sd["conv.weight"] = torch.randn(4, 3, 3, 3, generator=g)
    sd["conv.bias"] = torch.randn(4, generator=g)
    sd["bn.running_var"] = torch.rand(4, generator=g, dtype=torch.float64) + 0.5
    sd["bn.num_batches_tracked"] = torch.tensor(123456789012, dtype=torch.int64)
    sd["mask"] = torch.tensor([True, False, True, True, False])
    sd["bytes"] = torch.tensor([0, 1, 127, 128, 254, 255], dtype=torch.uint8)
    sd["int32"] = torch.tensor([[-2147483648, -1], [0, 2147483647]], dtype=torch.int32)
    sd["half"] = torch.tensor([1.0, -2.5, 65504.0, 6.1e-5], dtype=torch.float16)
    sd["empty"] = torch.zeros(0, 3)
    # Three tensors over one storage: the whole, a transposed view, an offset slice.
    sd["shared.base"] = shared
    sd["shared.transposed"] = shared.t()
    sd["shared.offset"] = shared[1:, 1:]
    sd["shared.flat_tail"] = shared.view(-1)[7:]
    # A state_dict carries _metadata (module versions) set through BUILD.
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])
    return sd


def dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def write_expected(sd):
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    entries = []
    for i, (key, t) in enumerate(sd.items()):
        name = "%02d.bin" % i
        values = np.ascontiguousarray(t.numpy())
        with open(os.path.join(HERE, "expected", name), "wb") as f:
            f.write(values.astype(values.dtype.newbyteorder("<")).tobytes())
        entries.append({"key": key, "dtype": dtype_name(t), "shape": list(t.shape), "file": name})
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(entries, f, indent=1)


class Evil:
    """Pickles as a call to os.system; a safe reader must refuse it by name."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


def write_evil():
    payload = pickle.dumps(collections.OrderedDict([("w", Evil())]), protocol=2)
    with zipfile.ZipFile(os.path.join(HERE, "evil-zip.pth"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("evil-zip/data.pkl", payload)
        z.writestr("evil-zip/version", "3\n")
    with open(os.path.join(HERE, "evil-legacy.pth"), "wb") as f:
        f.write(payload)


def write_training_state():
    sd = collections.OrderedDict([("w", torch.ones(2))])
    torch.save({"model": sd, "epoch": 3}, os.path.join(HERE, "training-state.pth"))


def write_oracle_legacy(oracle_path):
    sd = torch.load(oracle_path, map_location="cpu")
    out = os.path.join(HERE, "..", "oracle", "mb2-ssd-lite-seed1234-c21-legacy.pth")
    torch.save(sd, out, _use_new_zipfile_serialization=False)


def main():
    sd = small_state_dict()
    torch.save(sd, os.path.join(HERE, "small-zip.pth"))
    torch.save(sd, os.path.join(HERE, "small-legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save(sd, os.path.join(HERE, "small-zip-proto4.pth"), pickle_protocol=4)
    torch.save(sd, os.path.join(HERE, "small-legacy-proto4.pth"), pickle_protocol=4,
               _use_new_zipfile_serialization=False)
    write_expected(sd)
    write_evil()
    write_training_state()
    if len(sys.argv) > 1:
        write_oracle_legacy(sys.argv[1])


if __name__ == "__main__":
    main()
