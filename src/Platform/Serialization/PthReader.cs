namespace SsdLite.Platform.Serialization;

/// <summary>
/// Reads PyTorch <c>torch.save(model.state_dict())</c> checkpoints in managed code: the zip format of PyTorch 1.6+
/// and the legacy single-stream format before it. No libtorch and no Python: the pickle is interpreted by a
/// small machine that only calls allow-listed torch globals, so a hostile file cannot run code.
/// </summary>
/// <remarks>Thread-safe: every call opens its own stream and keeps no shared state.</remarks>
public static class PthReader
{

    /// <summary>Reads every tensor of a state_dict checkpoint, keys in file order.</summary>
    /// <exception cref="InvalidDataException">the file is not a readable state_dict; the message names the file and the problem</exception>
    public static IReadOnlyList<KeyValuePair<string, PthTensor>> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream file = File.OpenRead(path);
        try
        {
            return Sniff(file) switch
            {
                PthFormat.Zip => ZipCheckpoint.Read(file),
                // Any other pickle goes to the legacy reader too, which names the problem (bad magic, refused global).
                PthFormat.Legacy or PthFormat.OtherPickle => LegacyCheckpoint.Read(file),
                _ => throw new InvalidDataException("bad magic: neither a zip archive nor a pickled PyTorch magic number"),
            };
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: truncated file: {e.Message}", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>True when the file's content (not its extension) is a PyTorch checkpoint: a zip archive holding
    /// <c>data.pkl</c>, or a stream starting with the pickled legacy magic number.</summary>
    public static bool IsPth(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            return false;
        using FileStream file = File.OpenRead(path);
        try
        {
            return Sniff(file) switch
            {
                PthFormat.Zip => ZipCheckpoint.HasPickle(file),
                PthFormat.Legacy => true,
                _ => false,
            };
        }
        catch (InvalidDataException)
        {
            return false; // a damaged zip is not something Read could load
        }
    }

    private enum PthFormat { Unknown, Zip, Legacy, OtherPickle }

    // Reads the first bytes and rewinds: zip local-file-header magic, or the legacy pickled magic number.
    private static PthFormat Sniff(Stream file)
    {
        Span<byte> head = stackalloc byte[LegacyCheckpoint.MagicPrefixLength];
        int read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        file.Position = 0;
        head = head[..read];
        if (head is [(byte)'P', (byte)'K', 3, 4, ..])
            return PthFormat.Zip;
        if (LegacyCheckpoint.StartsWithMagic(head))
            return PthFormat.Legacy;
        return head is [(byte)PickleOpcode.Proto, ..] ? PthFormat.OtherPickle : PthFormat.Unknown;
    }
}
