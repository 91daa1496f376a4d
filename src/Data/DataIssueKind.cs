namespace SsdLite.Data;

/// <summary>What is wrong with a sample, as found by <see cref="DataCheck"/> or the <see cref="VocReader"/>.</summary>
public enum DataIssueKind
{
    /// <summary>The image file exists but does not decode (corrupt, truncated, not an image).</summary>
    UnreadableImage,

    /// <summary>The image id is listed (or annotated) but its image file is missing.</summary>
    MissingImage,

    /// <summary>The image id is listed in the split file but its annotation file is missing.</summary>
    MissingAnnotation,

    /// <summary>The annotation is not well-formed XML.</summary>
    MalformedXml,

    /// <summary>Well-formed XML whose root element is not &lt;annotation&gt;.</summary>
    NotVocXml,

    /// <summary>A required element is missing (&lt;size&gt;, &lt;width&gt;, &lt;name&gt;, &lt;bndbox&gt;, &lt;xmin&gt; …).</summary>
    MissingField,

    /// <summary>A number field (coordinate, size, flag) does not parse as a number.</summary>
    InvalidNumber,

    /// <summary>The &lt;size&gt; of the annotation is not a positive width and height.</summary>
    InvalidSize,

    /// <summary>An object's class name is not in the labels.</summary>
    UnknownClass,

    /// <summary>A box extends beyond the image.</summary>
    BoxOutsideImage,

    /// <summary>A box has xmin &gt; xmax or ymin &gt; ymax.</summary>
    InvertedBox,

    /// <summary>A box has xmin = xmax or ymin = ymax.</summary>
    ZeroAreaBox,

    /// <summary>The &lt;size&gt; of the annotation differs from the decoded image's.</summary>
    SizeMismatch,

    /// <summary>A COCO file lists the same image id twice; the later entry is skipped.</summary>
    DuplicateImageId,

    /// <summary>A COCO JSON file or entry, a YOLO label line or a data.yaml that does not have the expected shape.</summary>
    MalformedEntry,

    /// <summary>A YOLO class index outside 0..N-1 of data.yaml's names.</summary>
    ClassOutOfRange,

    /// <summary>An annotation file longer than its stated limit (<see cref="AnnotationFiles"/>); it is not read.</summary>
    FileTooLarge,
}
