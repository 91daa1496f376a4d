namespace SsdLite.Data;

/// <summary>
/// One image of a split before its annotation is read: where its files are expected. The files may be
/// missing; <see cref="DataCheck"/> reports that.
/// </summary>
/// <param name="Id">The image id (file name without extension), as listed in the split file.</param>
/// <param name="Root">The dataset root (the folder holding JPEGImages/ and Annotations/).</param>
/// <param name="ImagePath">The image file: JPEGImages/&lt;id&gt; with the first extension found, else .jpg.</param>
/// <param name="AnnotationPath">Annotations/&lt;id&gt;.xml.</param>
/// <param name="ListedIn">The split file that lists the id, or null when the root has no ImageSets/.</param>
public sealed record VocEntry(string Id, string Root, string ImagePath, string AnnotationPath, string? ListedIn);
