using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using SsdLite.Data;
using SsdLite.Detection;
using SsdLite.Export;
using SsdLite.Runtime;

namespace SsdLite.Serving.Tests;

/// <summary>
/// The page in a real Chromium (Microsoft.Playwright driving the distribution's chromium, which scripts/install.sh
/// installs) against the service on a real port: on the first paint the model line stays clear of the drop zone and
/// no image (nor its broken-image icon) shows; the model's name, classes and input size appear from its metadata; an
/// uploaded image shows boxes where the JSON puts them, with its labels and scores, the list and the answer's
/// timings; the score slider hides the boxes below it without asking again; a text file shows the server's error. An
/// NMS export's model line says what its graph keeps, and its answer lists the K best of the plain model's detections.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class PageTests(ModelFixture fixture)
{
    private const string Chromium = "/usr/bin/chromium";

    // The fixture's comparison threshold: the served answers and the NMS export's graph both cut there.
    private static readonly float Threshold = float.Parse(ModelFixture.Threshold, CultureInfo.InvariantCulture);

    // Headless on a machine with no network and no GPU: nothing reaches out, nothing waits on a sandbox or a GPU process.
    private static readonly string[] ChromiumArgs = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    [Fact]
    public async Task ThePageDrawsTheDetectionsAndShowsTheErrorOfABadFile()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/install.sh installs the chromium package the browser test uses");
        var model = fixture.Open();
        await using (var served = await PageServer.StartAsync(model, Threshold))
        {
            var page = served.Page;
            // The metadata answer is held back, so that the page is seen as it first paints, still loading.
            var metadata = new TaskCompletionSource();
            await page.RouteAsync("**/v2/models/**", async route =>
            {
                await metadata.Task;
                await route.ContinueAsync();
            });
            await page.GotoAsync(served.Root);
            await CheckFirstPaintAsync(page);
            metadata.SetResult();
            await CheckModelLineAsync(page, "c7", model, "");

            var answer = await page.RunAndWaitForResponseAsync(() => page.SetInputFilesAsync("#file", TestData.Oracle("image.jpg")),
                r => r.Url.EndsWith("/v1/detect", StringComparison.Ordinal));
            await page.WaitForSelectorAsync("body[data-state=done]");
            await CheckDrawnDetectionsAsync(page, 0);
            await CheckTimingsAsync(page, JsonNode.Parse(await answer.TextAsync())!);
            foreach (var threshold in new[] { 0.3, 0.5, 0.0 })
            {
                await page.EvaluateAsync("t => { const s = document.getElementById('threshold'); s.value = t; s.dispatchEvent(new Event('input')); }", threshold);
                await CheckDrawnDetectionsAsync(page, threshold);
            }
            var screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(screenshots);
            var shot = Path.Combine(screenshots, "page-detections.png");
            await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
            Assert.True(new FileInfo(shot).Length > 10_000, "the screenshot holds the page");

            using var temp = new TempFolder("page");
            await File.WriteAllTextAsync(temp["notes.txt"], "these are notes, not a picture");
            await page.EvaluateAsync("() => { document.body.dataset.state = 'busy'; }");
            await page.SetInputFilesAsync("#file", temp["notes.txt"]);
            await page.WaitForSelectorAsync("body[data-state=done]");
            var error = await page.InnerTextAsync("#error");
            Assert.StartsWith("400: ", error, StringComparison.Ordinal);
            Assert.Contains("notes.txt is not an image this server reads", error, StringComparison.Ordinal);
            Assert.Equal(0, await page.Locator(".box").CountAsync());
            await page.ScreenshotAsync(new() { Path = Path.Combine(screenshots, "page-error.png"), FullPage = true });
        }
    }

    [Fact]
    public async Task AnNmsExportsModelLineSaysItsGraphKeepsAtMostKAboveItsThreshold()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/install.sh installs the chromium package the browser test uses");
        const int k = 5;
        using var temp = new TempFolder("page-nms");
        var path = temp["c7nms.onnx"];
        using (var network = Detector.LoadModel(TestData.Oracle("trained-c7.pth"), Labels.Load(TestData.Oracle("labels-c7.txt")).Names))
        {
            OnnxExporter.Export(network, path, new OnnxExportOptions
            {
                WriteLabels = false,
                Nms = new NmsExportOptions { MaxDetections = k, ScoreThreshold = Threshold },
            });
        }
        var model = new ServedModel("c7nms", OnnxDetector.Load(path), path);
        await using (var served = await PageServer.StartAsync(model, Threshold))
        {
            var page = served.Page;
            await page.GotoAsync(served.Root);
            await CheckModelLineAsync(page, "c7nms", model, $" · NMS in the graph: at most {k} detections, score > {ModelFixture.Threshold}, IoU > 0.45 suppressed");

            // The graph keeps the K best of what detect's own post-processing finds on the plain export.
            await page.SetInputFilesAsync("#file", TestData.Oracle("image.jpg"));
            await page.WaitForSelectorAsync("body[data-state=done]");
            var all = fixture.Reference["image.jpg"]["detections"]!.AsArray();
            Assert.True(all.Count > k, "the plain model finds no more than K on the oracle image");
            var best = all.OrderByDescending(d => d!["score"]!.GetValue<double>()).Take(k).ToList();
            Assert.Equal($"{k} of {k} detections", await page.InnerTextAsync("#shown"));
            var rows = page.Locator("#detections tbody tr");
            for (var i = 0; i < k; i++)
            {
                var cells = await rows.Nth(i).Locator("td").AllInnerTextsAsync();
                Assert.Equal(best[i]!["label"]!.GetValue<string>(), cells[1].Trim());
                Assert.Equal(best[i]!["score"]!.GetValue<double>().ToString("0.000", CultureInfo.InvariantCulture), cells[2]);
            }
        }
    }

    // Before any answer: the model line and the drop zone do not overlap, and no image shows (an <img> without a
    // source draws the broken-image icon and its alt text).
    private static async Task CheckFirstPaintAsync(IPage page)
    {
        Assert.Equal("model: loading…", await page.InnerTextAsync("#model"));
        var line = (await page.Locator("#model").BoundingBoxAsync())!;
        var drop = (await page.Locator("#drop").BoundingBoxAsync())!;
        Assert.True(line.Y + line.Height <= drop.Y, $"the model line ({line.Y} to {line.Y + line.Height}) runs into the drop zone from {drop.Y}");
        Assert.False(await page.Locator("#photo").IsVisibleAsync(), "an image shows before any upload");
        Assert.False(await page.Locator("#stage").IsVisibleAsync());
        Assert.Equal(0, await page.EvaluateAsync<int>("() => [...document.images].filter(i => i.getClientRects().length > 0).length"));
    }

    // The model's name, input size and classes, from /v2/models/NAME, then what an NMS graph keeps (`nms`, empty for
    // a plain model).
    private static async Task CheckModelLineAsync(IPage page, string name, ServedModel model, string nms)
    {
        await page.WaitForFunctionAsync("() => !document.getElementById('model').textContent.includes('loading')");
        var line = await page.InnerTextAsync("#model");
        var classes = File.ReadAllLines(TestData.Oracle("labels-c7.txt")).Where(l => l.Length > 0 && l != "BACKGROUND").ToList();
        var size = model.Detector.InputSize;
        Assert.Equal($"model {name} · input {size}x{size} · {classes.Count} classes: {string.Join(", ", classes)}{nms} · ready", line);
    }

    // The answer's batch size and timings_ms, phase by phase, as the JSON gives them.
    private static async Task CheckTimingsAsync(IPage page, JsonNode answer)
    {
        var t = answer["timings_ms"]!;
        string Ms(string phase) => t[phase]!.GetValue<double>().ToString(CultureInfo.InvariantCulture);
        Assert.Equal($"batch {answer["batch_size"]} · read {Ms("read")} ms · decode {Ms("decode")} ms · queue {Ms("queue")} ms · " +
            $"inference {Ms("inference")} ms · postprocess {Ms("postprocess")} ms · total {Ms("total")} ms", await page.InnerTextAsync("#timings"));
    }

    // Each detection at or above `minScore` drawn where the JSON puts it (scaled to the shown image, within a pixel),
    // with "label score" on it, and the list row by row; those below it neither drawn nor listed.
    private async Task CheckDrawnDetectionsAsync(IPage page, double minScore)
    {
        var all = fixture.Reference["image.jpg"]["detections"]!.AsArray();
        var expected = all.Where(d => d!["score"]!.GetValue<double>() >= minScore).ToList();
        var width = fixture.Reference["image.jpg"]["width"]!.GetValue<int>();
        Assert.Equal($"{expected.Count} of {all.Count} detections", await page.InnerTextAsync("#shown"));
        var photo = (await page.Locator("#photo").BoundingBoxAsync())!;
        var scale = photo.Width / width;
        var boxes = page.Locator(".box");
        Assert.Equal(expected.Count, await boxes.CountAsync());
        Assert.True(minScore > 0 || expected.Count >= 12);
        Assert.True(minScore < 0.3 || expected.Count < all.Count, "the slider's test thresholds hide some detections");
        var rows = page.Locator("#detections tbody tr");
        Assert.Equal(expected.Count, await rows.CountAsync());
        for (var i = 0; i < expected.Count; i++)
        {
            var d = expected[i]!;
            var box = d["box"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            var drawn = (await boxes.Nth(i).BoundingBoxAsync())!;
            Assert.InRange(drawn.X - photo.X, box[0] * scale - 1, box[0] * scale + 1);
            Assert.InRange(drawn.Y - photo.Y, box[1] * scale - 1, box[1] * scale + 1);
            Assert.InRange(drawn.Width, (box[2] - box[0]) * scale - 1, (box[2] - box[0]) * scale + 1);
            Assert.InRange(drawn.Height, (box[3] - box[1]) * scale - 1, (box[3] - box[1]) * scale + 1);
            var label = d["label"]!.GetValue<string>();
            var score = d["score"]!.GetValue<double>();
            Assert.Equal($"{label} {score.ToString("0.00", CultureInfo.InvariantCulture)}", await boxes.Nth(i).InnerTextAsync());
            var cells = await rows.Nth(i).Locator("td").AllInnerTextsAsync();
            Assert.Equal(label, cells[1].Trim());
            Assert.Equal(score.ToString("0.000", CultureInfo.InvariantCulture), cells[2]);
        }
    }

    // The service on a free port, ready, with one Chromium page open on nothing yet; disposing closes the browser, stops
    // the service and disposes the model's session.
    private sealed class PageServer : IAsyncDisposable
    {
        private readonly IHost host;
        private readonly ServedModel model;
        private IPlaywright? playwright;
        private IBrowser? browser;

        private PageServer(IHost host, ServedModel model, int port)
        {
            this.host = host;
            this.model = model;
            Root = $"http://127.0.0.1:{port}/";
        }

        public string Root { get; }

        public IPage Page { get; private set; } = null!;

        public static async Task<PageServer> StartAsync(ServedModel model, float scoreThreshold)
        {
            var port = ServeChild.FreePort();
            var options = new ServeOptions { Urls = $"http://127.0.0.1:{port}", ScoreThreshold = scoreThreshold };
            var served = new PageServer(ServingHost.CreateHostBuilder(options, model).Build(), model, port);
            try
            {
                await served.host.StartAsync();
                await WaitReadyAsync(port);
                served.playwright = await Playwright.CreateAsync();
                served.browser = await served.playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ChromiumArgs });
                served.Page = await served.browser.NewPageAsync(new() { ViewportSize = new() { Width = 1000, Height = 900 } });
                return served;
            }
            catch
            {
                await served.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (browser is not null) await browser.DisposeAsync();
            playwright?.Dispose();
            await host.StopAsync();
            host.Dispose();
            model.Detector.Dispose();
        }
    }

    private static async Task WaitReadyAsync(int port)
    {
        using var client = new HttpClient();
        for (var i = 0; i < 300; i++)
        {
            using var ready = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/v2/health/ready"));
            if (ready.StatusCode == HttpStatusCode.OK) return;
            await Task.Delay(100);
        }
        throw new TimeoutException("not ready in 30 s");
    }
}
