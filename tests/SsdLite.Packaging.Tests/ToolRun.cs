namespace SsdLite.Packaging.Tests;

/// <summary>
/// What a user does first with the tool: <c>dotnet tool install ssdlite --tool-path DIR --add-source FEED</c>, then
/// <c>synth</c>, <c>train --epochs 1</c> (a tiny model: width 0.25, 64x64 input) and <c>export</c> to ONNX. Run once and
/// shared: the consumer apps use its dataset, checkpoint and model.
/// </summary>
internal sealed class ToolRun
{
    public ToolRun(PackageFeed feed)
    {
        var folder = feed.NewFolder("tool");
        ToolPath = Path.Combine(folder, "tools");
        Data = Path.Combine(folder, "data");
        RunFolder = Path.Combine(folder, "run");
        Onnx = Path.Combine(folder, "model", "model.onnx");
        CacheHome = Path.Combine(folder, "cache");
        Install = feed.Dotnet(feed.Workspace, "tool", "install", "ssdlite", "--tool-path", ToolPath, "--add-source", feed.Feed,
            "--version", feed.Version);
        if (Install.ExitCode != 0) return;
        Synth = Ssdlite(folder, "synth", "--out", Data, "--images", "24", "--size", "96", "--seed", "3");
        Train = Ssdlite(folder, "train", "--data", Data, "--epochs", "1", "--batch-size", "4", "--out", RunFolder,
            "--set", "width=0.25", "input_size=64", "val_every=0", "workers=1", "train_split=train");
        Export = Ssdlite(folder, "export", "--weights", Checkpoint, "--out", Onnx);
        Image = Directory.GetFiles(Path.Combine(Data, "JPEGImages"), "*.jpg").Order(StringComparer.Ordinal).First();
    }

    /// <summary>XDG_CACHE_HOME of the tool's processes: where the engine once wrote a patched libLibTorchSharp, and now writes nothing.</summary>
    public string CacheHome { get; }

    /// <summary>The tool's install folder (holds the <c>ssdlite</c> command).</summary>
    public string ToolPath { get; }

    /// <summary>The synthetic VOC-format dataset.</summary>
    public string Data { get; }

    /// <summary>The training run's folder.</summary>
    public string RunFolder { get; }

    /// <summary>The last checkpoint of the run.</summary>
    public string Checkpoint => Path.Combine(RunFolder, "checkpoints", "last.ckpt");

    /// <summary>The exported ONNX model (labels.txt beside it).</summary>
    public string Onnx { get; }

    /// <summary>An image of the dataset to detect on.</summary>
    public string Image { get; } = "";

    public ProcessResult Install { get; }
    public ProcessResult? Synth { get; }
    public ProcessResult? Train { get; }
    public ProcessResult? Export { get; }

    /// <summary>The installed command.</summary>
    public string Command => Path.Combine(ToolPath, OperatingSystem.IsWindows() ? "ssdlite.exe" : "ssdlite");

    /// <summary>Runs the installed <c>ssdlite</c> with <paramref name="arguments"/>.</summary>
    public ProcessResult Ssdlite(string workingDirectory, params string[] arguments) =>
        ProcessRun.Run(Command, arguments, workingDirectory,
            new Dictionary<string, string> { ["XDG_CACHE_HOME"] = CacheHome }, TimeSpan.FromMinutes(10));
}
