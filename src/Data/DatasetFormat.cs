namespace SsdLite.Data;

/// <summary>The dataset layouts SsdLite reads and writes.</summary>
public enum DatasetFormat
{
    /// <summary>Pascal VOC: a root with JPEGImages/, Annotations/*.xml and ImageSets/Main/SPLIT.txt.</summary>
    Voc,

    /// <summary>COCO detection JSON: images, annotations (bbox [x, y, w, h] in pixels), categories.</summary>
    Coco,

    /// <summary>Ultralytics YOLO: a data.yaml, images/ and labels/ with one "class cx cy w h" line per object.</summary>
    Yolo,
}
