using FFMpegCore;

namespace SsdLite.Tools.Video;

/// <summary>
/// Finds the <c>ffmpeg</c> program that video inputs and outputs run through FFMpegCore: the folder in
/// <c>SSDLITE_FFMPEG_DIR</c>, else the first on PATH. Images never need it.
/// </summary>
public static class FfmpegBinaries
{
    /// <summary>What to install, for the message of a machine without ffmpeg.</summary>
    public const string InstallHint = "install the ffmpeg package (Debian/Ubuntu: apt-get install ffmpeg; Fedora: dnf install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg)";

    private static readonly Lazy<string?> Folder = new(Find);

    /// <summary>FFMpegCore's options pointing at the folder that holds ffmpeg, or a <see cref="VideoException"/> naming the package to install.</summary>
    public static FFOptions Require()
    {
        var folder = Folder.Value ?? throw new VideoException(VideoErrorKind.FfmpegMissing,
            $"{VideoException.Title(VideoErrorKind.FfmpegMissing)}: video inputs and outputs need the ffmpeg program on PATH (or in SSDLITE_FFMPEG_DIR); {InstallHint}");
        return new FFOptions { BinaryFolder = folder };
    }

    /// <summary>Whether ffmpeg is there.</summary>
    public static bool Available => Folder.Value is not null;

    private static string? Find()
    {
        var name = OperatingSystem.IsWindows() ? "ffmpeg.exe" : "ffmpeg";
        var dirs = new List<string>();
        if (Environment.GetEnvironmentVariable("SSDLITE_FFMPEG_DIR") is { Length: > 0 } named) dirs.Add(named);
        dirs.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return dirs.FirstOrDefault(d => File.Exists(Path.Combine(d, name)));
    }
}
