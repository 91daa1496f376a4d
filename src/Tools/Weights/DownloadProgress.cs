using System.Diagnostics;
using System.Globalization;

namespace SsdLite.Tools.Weights;

/// <summary>Where a download reports how far it is.</summary>
public interface IDownloadProgress
{
    /// <summary>A transfer begins at <paramref name="done"/> bytes (more than 0 when it resumes) of <paramref name="total"/>, if known.</summary>
    void Start(string name, string url, long done, long? total);

    /// <summary><paramref name="done"/> bytes are in.</summary>
    void Advance(long done);

    /// <summary>The transfer ended with <paramref name="done"/> bytes.</summary>
    void Finish(long done);

    /// <summary>A line of its own (a retry, a copy from a mirror).</summary>
    void Message(string text);
}

/// <summary>
/// Progress on standard error: a bar redrawn in place on a terminal, and where the output is a log (redirected) a
/// line every few seconds, so a CI log shows a download is alive without thousands of lines.
/// </summary>
public sealed class DownloadProgress(TextWriter writer, bool terminal, TimeSpan every) : IDownloadProgress
{
    private readonly Stopwatch clock = new();
    private string name = "";
    private long? total;
    private long start;
    private TimeSpan last;

    /// <summary>The console's: a bar when standard error is a terminal, a line every 5 s otherwise.</summary>
    public static DownloadProgress ForConsole() => new(Console.Error, !Console.IsErrorRedirected, TimeSpan.FromSeconds(5));

    /// <inheritdoc />
    public void Start(string name, string url, long done, long? total)
    {
        this.name = name;
        this.total = total;
        start = done;
        clock.Restart();
        last = TimeSpan.Zero;
        var from = done > 0 ? string.Create(CultureInfo.InvariantCulture, $", resuming at {Mb(done)}") : "";
        writer.WriteLine($"downloading {name} from {url}{from}");
    }

    /// <inheritdoc />
    public void Advance(long done)
    {
        var now = clock.Elapsed;
        var due = terminal ? TimeSpan.FromMilliseconds(100) : every;
        if (now - last < due) return;
        last = now;
        if (terminal) writer.Write("\r" + Bar(done) + "   ");
        else writer.WriteLine(Line(done));
    }

    /// <inheritdoc />
    public void Finish(long done)
    {
        if (terminal) writer.WriteLine("\r" + Bar(done) + "   ");
        else writer.WriteLine(Line(done));
    }

    /// <inheritdoc />
    public void Message(string text) => writer.WriteLine(text);

    private string Line(long done) => string.Create(CultureInfo.InvariantCulture, $"{name}: {Amount(done)}, {Rate(done)}");

    private string Bar(long done)
    {
        const int Width = 30;
        var filled = total is > 0 ? (int)Math.Clamp(done * Width / total.Value, 0, Width) : 0;
        var bar = total is > 0 ? new string('#', filled) + new string('.', Width - filled) : new string('?', Width);
        return string.Create(CultureInfo.InvariantCulture, $"{name} [{bar}] {Amount(done)} {Rate(done)}");
    }

    private string Amount(long done) => total is > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{Mb(done)} of {Mb(total.Value)} ({100.0 * done / total.Value:F0}%)")
        : Mb(done);

    private string Rate(long done)
    {
        var seconds = Math.Max(1e-3, clock.Elapsed.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture, $"{(done - start) / seconds / 1e6:F1} MB/s");
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F1} MB");
}
