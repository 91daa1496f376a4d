using System.Text.RegularExpressions;

namespace SsdLite.Tools.Video;

/// <summary>
/// Which of <c>detect</c>'s PATH arguments are videos: files by extension (or any file with <c>--video</c>), stream URLs
/// (rtsp, rtsps, rtmp, http, https, srt, udp) and V4L2 devices (<c>/dev/videoN</c>). Everything else is an image.
/// </summary>
public static partial class VideoInputs
{
    private static readonly string[] Extensions = [".mp4", ".mkv", ".avi", ".mov", ".webm", ".m4v"];
    private static readonly string[] Schemes = ["rtsp://", "rtsps://", "rtmp://", "rtmps://", "http://", "https://", "srt://", "udp://"];

    /// <summary>A video file by its extension.</summary>
    public static bool IsVideoName(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>A network stream URL.</summary>
    public static bool IsStreamUrl(string path) => Schemes.Any(s => path.StartsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>A V4L2 capture device, <c>/dev/videoN</c>.</summary>
    public static bool IsDevice(string path) => DevicePattern().IsMatch(path);

    /// <summary>A live source (a stream or a device): no end known in advance, frames come at their own pace.</summary>
    public static bool IsLive(string path) => IsStreamUrl(path) || IsDevice(path);

    /// <summary>Whether <c>detect</c> reads <paramref name="path"/> as a video (<paramref name="forceVideo"/>: <c>--video</c>).</summary>
    public static bool IsVideo(string path, bool forceVideo) => forceVideo || IsVideoName(path) || IsLive(path);

    /// <summary>The stem of the annotated output for an input: the file's, a URL's last path segment (or host), the device's name.</summary>
    public static string Stem(string path)
    {
        string stem;
        if (IsStreamUrl(path) && Uri.TryCreate(path, UriKind.Absolute, out var uri))
        {
            var last = uri.Segments.Select(s => s.Trim('/')).LastOrDefault(s => s.Length > 0);
            stem = last is null ? uri.Host : Path.GetFileNameWithoutExtension(last);
            if (stem.Length == 0) stem = uri.Host;
        }
        else
        {
            stem = Path.GetFileNameWithoutExtension(path);
        }
        var clean = new string(stem.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        return clean.Length == 0 ? "stream" : clean;
    }

    [GeneratedRegex("^/dev/video[0-9]+$")]
    private static partial Regex DevicePattern();
}
