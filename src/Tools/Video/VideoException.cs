namespace SsdLite.Tools.Video;

/// <summary>What went wrong with a video input, by name: the first words of each message.</summary>
public enum VideoErrorKind
{
    /// <summary>ffmpeg (or ffprobe) is not installed.</summary>
    FfmpegMissing,

    /// <summary>The file does not exist.</summary>
    NotFound,

    /// <summary>The file is not a video ffmpeg can read.</summary>
    NotAVideo,

    /// <summary>The file holds no video stream.</summary>
    NoVideoStream,

    /// <summary>The file ends early (truncated) before any frame could be read.</summary>
    Truncated,

    /// <summary>A stream URL or device could not be opened.</summary>
    Unreachable,

    /// <summary>Decoding failed part-way: the frames before it were read.</summary>
    DecodeError,

    /// <summary>The annotated video could not be written.</summary>
    EncodeError,
}

/// <summary>A video input or output that failed; <see cref="Kind"/> names the failure and starts the message.</summary>
public sealed class VideoException(VideoErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The failure's name.</summary>
    public VideoErrorKind Kind { get; } = kind;

    /// <summary>The words that start each message of <paramref name="kind"/>.</summary>
    public static string Title(VideoErrorKind kind) => kind switch
    {
        VideoErrorKind.FfmpegMissing => "ffmpeg not found",
        VideoErrorKind.NotFound => "no such file",
        VideoErrorKind.NotAVideo => "not a video",
        VideoErrorKind.NoVideoStream => "no video stream",
        VideoErrorKind.Truncated => "truncated video",
        VideoErrorKind.Unreachable => "cannot open stream",
        VideoErrorKind.DecodeError => "decode error",
        _ => "cannot write video",
    };
}
