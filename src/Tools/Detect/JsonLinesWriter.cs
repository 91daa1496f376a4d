namespace SsdLite.Tools.Detect;

/// <summary>
/// <c>--jsonl</c>: each entry as one line, written in one piece and flushed at once, so a run that is stopped keeps
/// every line it finished, and never half of one.
/// </summary>
internal sealed class JsonLinesWriter(Stream stream, string name) : IDisposable
{
    public static JsonLinesWriter Create(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        return new JsonLinesWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1), path);
    }

    public void Write(ImageDetections result)
    {
        try
        {
            stream.Write(DetectJson.ToLine(result));
            stream.Flush();
        }
        catch (IOException e)
        {
            throw new IOException($"cannot write {name}: {e.Message}", e);
        }
    }

    public void Dispose() => stream.Dispose();
}
