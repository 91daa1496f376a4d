namespace SsdLite.Tools.Detect;

/// <summary>
/// Where each drawn image goes in the output folder: the input's file name, made unique within the run in input
/// order (a second <c>a.jpg</c> from another folder becomes <c>a-2.jpg</c>), and PNG for formats that cannot be written.
/// </summary>
internal sealed class DrawNames(string folder)
{
    private static readonly string[] Writable = [".jpg", ".jpeg", ".jpe", ".png", ".webp"];
    private readonly HashSet<string> used = new(StringComparer.OrdinalIgnoreCase);

    public string For(string input)
    {
        var name = Path.GetFileName(input);
        var extension = Path.GetExtension(name);
        if (!Writable.Contains(extension.ToLowerInvariant()))
        {
            extension = ".png";
            name = Path.ChangeExtension(name, extension);
        }
        var stem = Path.GetFileNameWithoutExtension(name);
        for (var k = 2; !used.Add(name); k++) name = $"{stem}-{k}{extension}";
        return Path.Combine(folder, name);
    }
}
