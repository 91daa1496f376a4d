#!/usr/bin/env python3
"""Turns `ssdlite synth --video` clips into one VOC tree, so that a detector can be trained on the video's own domain.

usage: bench/video_voc.py OUT CLIP_DIR [CLIP_DIR ...]

Each CLIP_DIR holds shapes.mp4 (or shapes.mkv) and shapes.json as synth --video writes them. Every frame is
extracted by ffmpeg as OUT/JPEGImages/<clip>_<frame>.jpg, its ground-truth boxes (inclusive pixel corners, as in
shapes.json) become OUT/Annotations/<clip>_<frame>.xml, all ids go to OUT/ImageSets/Main/trainval.txt, and the
labels to OUT/labels.txt. The clips' track ids are not needed for detection and are left out.
"""
import json
import os
import subprocess
import sys
from xml.sax.saxutils import escape


def annotation(name, width, height, objects):
    rows = [f"<annotation><filename>{name}.jpg</filename>",
            f"<size><width>{width}</width><height>{height}</height><depth>3</depth></size>"]
    for o in objects:
        x0, y0, x1, y1 = o["box"]
        # VOC's corners are 1-based and inclusive; shapes.json's are 0-based and inclusive.
        rows.append(f"<object><name>{escape(o['label'])}</name><difficult>0</difficult><bndbox>"
                    f"<xmin>{x0 + 1}</xmin><ymin>{y0 + 1}</ymin><xmax>{x1 + 1}</xmax><ymax>{y1 + 1}</ymax></bndbox></object>")
    rows.append("</annotation>")
    return "\n".join(rows) + "\n"


def convert(out, clip_dir, ids):
    with open(os.path.join(clip_dir, "shapes.json")) as f:
        truth = json.load(f)
    clip = os.path.basename(os.path.normpath(clip_dir))
    video = os.path.join(clip_dir, truth["video"])
    pattern = os.path.join(out, "JPEGImages", f"{clip}_%05d.jpg")
    # -start_number 0: file numbers are the clips' 0-based frame indices; -q:v 2: a high JPEG quality.
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", video, "-start_number", "0", "-q:v", "2", pattern], check=True)
    for frame in truth["frames"]:
        name = f"{clip}_{frame['frame']:05d}"
        if not os.path.exists(os.path.join(out, "JPEGImages", name + ".jpg")):
            sys.exit(f"{video}: ffmpeg wrote no frame {frame['frame']}")
        with open(os.path.join(out, "Annotations", name + ".xml"), "w") as f:
            f.write(annotation(name, truth["width"], truth["height"], frame["objects"]))
        ids.append(name)
    return truth["labels"]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    for sub in ("JPEGImages", "Annotations", os.path.join("ImageSets", "Main")):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    ids, labels = [], None
    for clip_dir in sys.argv[2:]:
        labels = convert(out, clip_dir, ids)
    with open(os.path.join(out, "ImageSets", "Main", "trainval.txt"), "w") as f:
        f.write("\n".join(ids) + "\n")
    with open(os.path.join(out, "labels.txt"), "w") as f:
        f.write("\n".join(labels) + "\n")
    print(f"video_voc: {len(ids)} frames of {len(sys.argv) - 2} clips in {out}")


if __name__ == "__main__":
    main()
