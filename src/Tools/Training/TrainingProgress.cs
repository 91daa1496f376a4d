using System.Globalization;
using Spectre.Console;

namespace SsdLite.Tools.Training;

/// <summary>One optimisation step as the progress display sees it.</summary>
public readonly record struct StepReport(int Epoch, int Epochs, int Step, int Steps, double Loss, double Regression,
    double Classification, double LearningRate, double ImagesPerSecond, TimeSpan Remaining);

/// <summary>Where training progress goes: a live bar in a terminal, plain lines in logs.</summary>
public interface ITrainingProgress
{
    /// <summary>Runs the whole training inside the display (a live display must own the console meanwhile).</summary>
    void Run(Action body);

    void Step(in StepReport report);

    void Message(string text);
}

/// <summary>Plain lines at most every few seconds: readable in CI logs and when stdout is a file.</summary>
public sealed class LineProgress(TextWriter writer, TimeSpan interval) : ITrainingProgress
{
    private DateTime lastLine = DateTime.MinValue;

    public void Run(Action body) => body();

    public void Step(in StepReport r)
    {
        var now = DateTime.UtcNow;
        if (now - lastLine < interval && r.Step != r.Steps) return;
        lastLine = now;
        writer.WriteLine(Describe(r));
        writer.Flush();
    }

    public void Message(string text)
    {
        writer.WriteLine(text);
        writer.Flush();
    }

    public static string Describe(in StepReport r) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {r.Epoch + 1}/{r.Epochs} step {r.Step}/{r.Steps} loss {r.Loss:F3} (reg {r.Regression:F3} cls {r.Classification:F3}) " +
        $"lr {r.LearningRate:G3} {r.ImagesPerSecond:F1} img/s ETA {Eta(r.Remaining)}");

    public static string Eta(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : $"{t.Minutes}m{t.Seconds:D2}s";
}

/// <summary>A Spectre.Console progress bar per epoch with the loss parts, speed and ETA in its description.</summary>
public sealed class LiveProgress : ITrainingProgress
{
    private ProgressContext? context;
    private ProgressTask? task;
    private int taskEpoch = -1;

    public void Run(Action body) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(ctx =>
            {
                context = ctx;
                body();
            });

    public void Step(in StepReport r)
    {
        if (context is null) return;
        if (taskEpoch != r.Epoch || task is null)
        {
            task?.StopTask();
            // Spectre.Console 0.57 refuses a task without a description; the line below replaces this one.
            task = context.AddTask($"epoch {r.Epoch + 1}/{r.Epochs}", maxValue: r.Steps);
            taskEpoch = r.Epoch;
        }
        task.Value = r.Step;
        task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"epoch {r.Epoch + 1}/{r.Epochs} {r.Step}/{r.Steps} loss {r.Loss:F3} reg {r.Regression:F3} cls {r.Classification:F3} " +
            $"{r.ImagesPerSecond:F1} img/s ETA {LineProgress.Eta(r.Remaining)}"));
    }

    public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));
}
