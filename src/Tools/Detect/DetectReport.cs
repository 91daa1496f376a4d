using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using SsdLite.Tools.Training;

namespace SsdLite.Tools.Detect;

/// <summary>
/// What a person sees of a <c>detect</c> run: a line per image (unless standard output carries the JSON lines), the
/// progress (images done, failed, images/s, ETA) and the closing messages.
/// </summary>
internal abstract class DetectReport(int total, TextWriter? imageLines)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();

    protected int Total { get; } = total;

    protected int Done { get; private set; }

    protected int Failed { get; private set; }

    /// <summary>A live bar when standard error is a terminal, plain periodic lines on it otherwise (and always with <paramref name="plain"/>: video runs print their own progress lines).</summary>
    public static DetectReport Create(int total, TextWriter? imageLines, TimeSpan lineInterval, bool plain = false)
    {
        if (Console.IsErrorRedirected || plain) return new LineDetectReport(total, imageLines, Console.Error, lineInterval);
        // Spectre.Console calls a console non-interactive when standard output is redirected; the bar lives on standard
        // error, so a terminal there is enough, given that it understands ANSI.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes });
        if (!console.Profile.Capabilities.Ansi) return new LineDetectReport(total, imageLines, Console.Error, lineInterval);
        // With both streams on the terminal, the image lines go through the live display, above the bar.
        return new LiveDetectReport(total, imageLines, console, linesAboveBar: imageLines is not null && !Console.IsOutputRedirected);
    }

    /// <summary>Runs the whole detection inside the display (a live display owns the terminal meanwhile).</summary>
    public abstract void Run(Action body);

    public void Image(ImageDetections result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Done++;
        if (result.Failed) Failed++;
        WriteImageLine(Describe(result));
        Progress();
    }

    /// <summary>A video frame's entry (or a video's error entry): its line, outside the image counts and the bar.</summary>
    public void Frame(ImageDetections result)
    {
        ArgumentNullException.ThrowIfNull(result);
        WriteImageLine(Describe(result));
    }

    protected virtual void WriteImageLine(string line) => imageLines?.WriteLine(line);

    protected abstract void Progress();

    /// <summary>"12/500 images (1 failed), 41.3 img/s, ETA 0m11s".</summary>
    protected string Status()
    {
        var rate = Done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
        var remaining = TimeSpan.FromSeconds(rate > 0 ? (Total - Done) / rate : 0);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Done}/{Total} images ({Failed} failed), {rate:F1} img/s, ETA {LineProgress.Eta(remaining)}");
    }

    public static string Describe(ImageDetections r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var name = r.Frame is { } frame ? string.Create(CultureInfo.InvariantCulture, $"{r.Image} frame {frame} ({r.Time:0.000} s)") : r.Image;
        if (r.Error is { } error) return $"{name}: error: {error}";
        var top = string.Join(", ", r.Detections.Take(5).Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Label} {d.Score:0.00}")));
        return $"{name}: {r.Detections.Count} objects{(top.Length > 0 ? " (" + top + ")" : "")}";
    }
}

/// <summary>Progress as a plain line every few seconds: readable in logs and when standard error is a file.</summary>
internal sealed class LineDetectReport(int total, TextWriter? imageLines, TextWriter progress, TimeSpan interval) : DetectReport(total, imageLines)
{
    private readonly Stopwatch sinceLine = Stopwatch.StartNew();

    public override void Run(Action body) => body();

    protected override void Progress()
    {
        if (sinceLine.Elapsed < interval || Done == Total) return;
        sinceLine.Restart();
        progress.WriteLine($"detect: {Status()}");
        progress.Flush();
    }
}

/// <summary>A Spectre.Console progress bar with the counts, speed and ETA in its description.</summary>
internal sealed class LiveDetectReport(int total, TextWriter? imageLines, IAnsiConsole console, bool linesAboveBar)
    : DetectReport(total, imageLines)
{
    private ProgressTask? task;

    public override void Run(Action body) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new ProgressBarColumn(), new PercentageColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(context =>
            {
                // Spectre.Console refuses a task without a description.
                task = context.AddTask(Markup.Escape(Status()), maxValue: Math.Max(Total, 1));
                body();
                task.Value = Total;
                task.Description = Markup.Escape(Status());
            });

    protected override void WriteImageLine(string line)
    {
        if (linesAboveBar && task is not null) console.WriteLine(line);
        else base.WriteImageLine(line);
    }

    protected override void Progress()
    {
        if (task is null) return;
        task.Value = Done;
        task.Description = Markup.Escape(Status());
    }
}
