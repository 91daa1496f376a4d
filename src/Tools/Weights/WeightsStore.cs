using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Vision;

namespace SsdLite.Tools.Weights;

/// <summary>A download or check of published weights that failed; the message names the file, the URL and what to do.</summary>
public sealed class WeightsException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The cache of published weights: <c>$SSDLITE_HOME/weights</c>, else <c>~/.cache/ssdlite/weights</c> (as torch.hub
/// keeps <c>$TORCH_HOME/hub/checkpoints</c>). A file is fetched once, into <c>FILE.partial</c> that a later try resumes
/// with an HTTP range request, verified (its pinned SHA-256, or a strict load as its architecture), and only then
/// renamed into place, so the cache never holds a file that failed its check. <c>SSDLITE_WEIGHTS_MIRROR</c> (a folder
/// or a base URL holding the same file names) replaces the published URLs, for machines without internet.
/// </summary>
public sealed class WeightsStore
{
    /// <summary>The variable naming the cache's parent folder.</summary>
    public const string HomeVariable = "SSDLITE_HOME";

    /// <summary>The variable naming a mirror: a folder or a base URL holding the published file names.</summary>
    public const string MirrorVariable = "SSDLITE_WEIGHTS_MIRROR";

    private const string HashSuffix = ".sha256";
    private const string PartialSuffix = ".partial";
    private const int Attempts = 3;
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    private readonly HttpClient http;
    private readonly Func<PublishedWeights, string, string?> verify;

    /// <summary>A store over <paramref name="directory"/>.</summary>
    /// <param name="directory">The cache folder (created on first download).</param>
    /// <param name="mirror">A folder or base URL to fetch from instead of the published URLs; null for none.</param>
    /// <param name="verify">
    /// Checks a file that has no pinned hash (path in, problem out, null when it is fine); the default loads it strictly
    /// as its architecture.
    /// </param>
    /// <param name="http">The HTTP client; null makes one with a 15-s connect timeout.</param>
    public WeightsStore(string directory, string? mirror = null, Func<PublishedWeights, string, string?>? verify = null, HttpClient? http = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Folder = Path.GetFullPath(directory);
        Mirror = string.IsNullOrWhiteSpace(mirror) ? null : mirror.Trim();
        this.verify = verify ?? StrictLoad.Check;
        this.http = http ?? new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15), AutomaticDecompression = DecompressionMethods.None })
        {
            // Large files on slow links: a stalled read is caught per read (StallTimeout), not per request.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The cache folder.</summary>
    public string Folder { get; }

    /// <summary>The mirror in use, or null.</summary>
    public string? Mirror { get; }

    /// <summary>Receives progress: a bar on a terminal, a line every few seconds otherwise.</summary>
    public IDownloadProgress Progress { get; init; } = DownloadProgress.ForConsole();

    /// <summary>The store the environment describes (<see cref="HomeVariable"/>, <see cref="MirrorVariable"/>).</summary>
    public static WeightsStore FromEnvironment() => new(DefaultDirectory(), Environment.GetEnvironmentVariable(MirrorVariable));

    /// <summary><c>$SSDLITE_HOME/weights</c>, else <c>~/.cache/ssdlite/weights</c>.</summary>
    public static string DefaultDirectory()
    {
        var home = Environment.GetEnvironmentVariable(HomeVariable);
        if (string.IsNullOrWhiteSpace(home))
            home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ssdlite");
        return Path.Combine(home, "weights");
    }

    /// <summary>Where <paramref name="weights"/> lives in the cache (present or not).</summary>
    public string PathOf(PublishedWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return Path.Combine(Folder, weights.FileName);
    }

    /// <summary>Whether the file is cached (and recorded as verified).</summary>
    public bool IsCached(PublishedWeights weights) => File.Exists(PathOf(weights)) && File.Exists(PathOf(weights) + HashSuffix);

    /// <summary>
    /// The cached file's path, downloading and verifying it first when it is not cached. A cached file is hashed again
    /// each time and compared with the hash recorded when it was verified.
    /// </summary>
    public string Get(PublishedWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var path = PathOf(weights);
        if (File.Exists(path)) return CheckCached(weights, path);
        Directory.CreateDirectory(Folder);
        if (Mirror is { } mirror && !IsUrl(mirror)) CopyFromFolder(weights, mirror, path);
        else Download(weights, path);
        return path;
    }

    private string CheckCached(PublishedWeights weights, string path)
    {
        var actual = Sha256Of(path);
        var recorded = File.Exists(path + HashSuffix) ? File.ReadAllText(path + HashSuffix).Trim() : null;
        var expected = weights.Sha256 ?? recorded;
        if (expected is not null && !actual.Equals(expected, StringComparison.OrdinalIgnoreCase))
        {
            Remove(path);
            throw new WeightsException($"{path}: the cached {weights.Name} has SHA-256 {actual}, expected {expected}; it was removed, " +
                "run the command again to download it anew");
        }
        // A file put in the cache by hand, with no pin and no record: it gets the check a download gets.
        if (expected is null) Accept(weights, path, path);
        return path;
    }

    private void CopyFromFolder(PublishedWeights weights, string folder, string path)
    {
        var source = Path.Combine(folder, weights.FileName);
        if (!File.Exists(source))
            throw new WeightsException($"{weights.Name}: {MirrorVariable} is the folder {folder}, which has no {weights.FileName}");
        Progress.Message($"copying {weights.Name} from {source}");
        var partial = path + PartialSuffix;
        using (var from = File.OpenRead(source))
        using (var to = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            from.CopyTo(to);
            to.Flush(flushToDisk: true);
        }
        Accept(weights, partial, path);
    }

    private void Download(PublishedWeights weights, string path)
    {
        var urls = Mirror is { } mirror ? [mirror.TrimEnd('/') + "/" + weights.FileName] : weights.Urls;
        var failures = new List<string>();
        foreach (var url in urls)
        {
            for (var attempt = 1; attempt <= Attempts; attempt++)
            {
                try
                {
                    Fetch(weights, url, path + PartialSuffix);
                    Accept(weights, path + PartialSuffix, path);
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
                {
                    var kept = File.Exists(path + PartialSuffix) ? new FileInfo(path + PartialSuffix).Length : 0;
                    Progress.Message($"{weights.Name}: {url}: {e.Message}" + (kept > 0 ? $" ({kept:N0} bytes kept; resuming)" : ""));
                    failures.Add($"{url}: {e.Message}");
                    // A refusal (404, no route) will not change on a second try; a broken transfer may.
                    if (kept == 0 || e is HttpRequestException { StatusCode: not null }) break;
                }
            }
        }
        var hint = Mirror is null
            ? $"without internet, set {MirrorVariable} to a folder or base URL holding {weights.FileName}"
            : $"check {MirrorVariable}={Mirror}";
        throw new WeightsException($"could not download {weights.Name} ({string.Join("; ", failures)}); {hint}");
    }

    /// <summary>Fetches <paramref name="url"/> into <paramref name="partial"/>, asking only for the bytes it lacks.</summary>
    private void Fetch(PublishedWeights weights, string url, string partial)
    {
        var have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The partial file is already whole (or longer than the file): start again rather than guess.
            File.Delete(partial);
            throw new IOException("the server refused the range of the partial file; starting again");
        }
        response.EnsureSuccessStatusCode();
        var resumed = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        if (!resumed) have = 0;
        var total = response.Content.Headers.ContentLength is { } length ? length + have : (long?)null;
        using var body = response.Content.ReadAsStream();
        using var file = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None);
        var buffer = new byte[1 << 16];
        var done = have;
        Progress.Start(weights.Name, url, have, total);
        using var stall = new CancellationTokenSource();
        while (true)
        {
            stall.CancelAfter(StallTimeout);
            var n = body.ReadAsync(buffer, stall.Token).AsTask().GetAwaiter().GetResult();
            if (n == 0) break;
            file.Write(buffer, 0, n);
            done += n;
            Progress.Advance(done);
        }
        file.Flush(flushToDisk: true);
        Progress.Finish(done);
        if (total is { } expected && done != expected)
            throw new IOException($"the transfer ended at {done:N0} of {expected:N0} bytes");
    }

    /// <summary>Verifies a complete file, then moves it into the cache and records its hash; a failed file is removed.</summary>
    private void Accept(PublishedWeights weights, string file, string path)
    {
        var actual = Sha256Of(file);
        if (weights.Sha256 is { } pinned && !actual.Equals(pinned, StringComparison.OrdinalIgnoreCase))
        {
            Remove(file);
            throw new WeightsException($"{weights.Name}: the downloaded {weights.FileName} has SHA-256 {actual}, expected {pinned}; " +
                "the file was removed (a damaged transfer, or the server holds another file)");
        }
        if (weights.HashPrefix is { } prefix && !actual.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            Remove(file);
            throw new WeightsException($"{weights.Name}: the downloaded {weights.FileName} has SHA-256 {actual}, which does not begin " +
                $"with the name's {prefix}; the file was removed");
        }
        if (weights.Sha256 is null && verify(weights, file) is { } problem)
        {
            Remove(file);
            throw new WeightsException($"{weights.Name}: the downloaded {weights.FileName} (SHA-256 {actual}) does not load as " +
                $"{weights.Arch.Name()} {weights.Kind.ToString().ToLowerInvariant()} weights: {problem}; the file was removed");
        }
        if (file != path) File.Move(file, path, overwrite: true);
        AtomicFile.WriteAllText(path + HashSuffix, actual + "\n");
    }

    private static void Remove(string file)
    {
        File.Delete(file);
        File.Delete(file + HashSuffix);
    }

    private static bool IsUrl(string text) =>
        text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The file's SHA-256 as 64 lower-case hex digits.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
