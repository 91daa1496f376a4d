using System.CommandLine;
using SsdLite.Vision;

namespace SsdLite.Tools.Commands;

/// <summary>
/// The <c>--max-pixels</c> option of detect, eval, train and convert: the header pixel check serve has, for every
/// image a command decodes. It sets <see cref="ImageIO.MaxPixels"/> for the run; its default is the process's
/// (40 megapixels, or SSDLITE_MAX_PIXELS).
/// </summary>
internal static class MaxPixelsOption
{
    /// <summary>An option without a default (train: null leaves the config's max_pixels).</summary>
    public static Option<long?> CreateOptional()
    {
        var option = new Option<long?>("--max-pixels") { Description = $"{Text} (config key max_pixels)" };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is < 1) result.AddError("--max-pixels must be at least 1");
        });
        return option;
    }

    /// <summary>
    /// Runs <paramref name="action"/> with this process's image reads limited by <paramref name="option"/>; the
    /// limit before is restored after (commands run in one process by the tests, or by an embedding host).
    /// </summary>
    public static int Then(ParseResult result, Option<long> option, Func<int> action)
    {
        var before = ImageIO.MaxPixels;
        ImageIO.MaxPixels = result.GetValue(option);
        try
        {
            return action();
        }
        finally
        {
            ImageIO.MaxPixels = before;
        }
    }

    private const string Text = "Largest width x height an image file's header may declare; an image declaring more is refused "
        + "before its pixels are decoded (default 40000000, or SSDLITE_MAX_PIXELS)";

    public static Option<long> Create()
    {
        var option = new Option<long>("--max-pixels") { Description = Text, DefaultValueFactory = _ => ImageIO.MaxPixels };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long>() < 1) result.AddError("--max-pixels must be at least 1");
        });
        return option;
    }
}
