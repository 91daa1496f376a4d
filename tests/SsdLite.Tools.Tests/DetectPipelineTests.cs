using SsdLite.Data;
using SsdLite.Detection;
using SsdLite.Runtime;
using SsdLite.Tools.Detect;
using SsdLite.Vision;

namespace SsdLite.Tools.Tests;

/// <summary>
/// The detect pipeline's memory bound and order, seen from the detector it drives: however slow the network, the
/// workers decode no more than the look-ahead (2 × batch + workers) beyond the image the network waits for, and
/// every entry comes back in input order with the detections of the image at that position.
/// </summary>
[Collection("training")]
public sealed class DetectPipelineTests
{
    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    public void WorkersDecodeUpToTheLookAheadAndNoFurtherWhileTheNetworkIsSlow(int batch, int workers)
    {
        using var folder = new TempFolder("detect-bound");
        var images = Directory.GetFiles(Path.Combine(TestData.Tiny(folder, images: 29, side: 96, seed: 13), "JPEGImages")).Order(StringComparer.Ordinal).ToList();
        images.Insert(7, TestData.Oracle("image.jpg")); // the photo the trained detector finds a dozen objects in
        using var real = Detector.Load(TestData.Oracle("trained-c7.pth"), Labels.Load(TestData.Oracle("labels-c7.txt")).Names);
        real.PostProcessor = new PostProcessor(0.1f, topK: 10);
        using var counting = new CountingDetector(real, networkDelay: TimeSpan.FromMilliseconds(60));
        var entries = new List<ImageDetections>();
        DetectPipeline.Run(counting, images, new DetectPipelineOptions { BatchSize = batch, Workers = workers }, entries.Add);

        // Order: entry i is image i, with the detections the detector gives that image alone.
        Assert.Equal(images, entries.Select(e => e.Image));
        foreach (var i in new[] { 0, 7, 29 })
        {
            // Alone, not in a batch: libtorch may sum in another order, so scores within 1e-4 and boxes within 0.01 px.
            var alone = real.Detect(ImageIO.Read(images[i]));
            var batched = entries[i].Detections;
            if (i == 7) Assert.True(alone.Count > 0, "the photo has no detections to compare");
            Assert.Equal(alone.Select(d => d.ClassId), batched.Select(d => d.ClassId));
            foreach (var (a, b) in alone.Zip(batched))
            {
                Assert.Equal(a.Score, b.Score, 1e-4f);
                Assert.Equal(a.Box.XMin, b.Box.XMin, 0.01f);
                Assert.Equal(a.Box.YMax, b.Box.YMax, 0.01f);
            }
        }
        // The bound: when a batch of B goes to the network, positions up to lookAhead - 1 beyond its last image may be
        // decoded, so at most lookAhead + B - 1 images are decoded and not yet through the network. A 60 ms network
        // against ~1 ms decodes lets the workers reach it.
        var lookAhead = 2 * batch + workers;
        Assert.Equal(lookAhead + batch - 1, counting.MostAhead);
        Assert.Equal(images.Count, counting.Preprocessed);
    }

    /// <summary>
    /// The real detector with two counters: images preprocessed (on the workers) and images through the network;
    /// at each network call it records how far preprocessing had run ahead of the images already detected.
    /// </summary>
    private sealed class CountingDetector(IObjectDetector inner, TimeSpan networkDelay) : IObjectDetector
    {
        private int preprocessed;
        private int detected;

        public int Preprocessed => Volatile.Read(ref preprocessed);

        public int MostAhead { get; private set; }

        public int InputSize => inner.InputSize;

        public IReadOnlyList<string> ClassNames => inner.ClassNames;

        public PostProcessor PostProcessor { get => inner.PostProcessor; set => inner.PostProcessor = value; }

        public int InputLength => inner.InputLength;

        public float[] Preprocess(IReadOnlyList<Image> images) => inner.Preprocess(images);

        public void Preprocess(Image image, Span<float> destination)
        {
            inner.Preprocess(image, destination);
            Interlocked.Increment(ref preprocessed);
        }

        public RawPredictions Predict(ReadOnlySpan<float> input, int batchSize) => inner.Predict(input, batchSize);

        public IReadOnlyList<DetectedObject> Detect(Image image) => inner.Detect(image);

        public IReadOnlyList<IReadOnlyList<DetectedObject>> Detect(IReadOnlyList<Image> images) => inner.Detect(images);

        public IReadOnlyList<IReadOnlyList<DetectedObject>> Detect(ReadOnlySpan<float> input, IReadOnlyList<(int Width, int Height)> originals)
        {
            Thread.Sleep(networkDelay);
            MostAhead = Math.Max(MostAhead, Volatile.Read(ref preprocessed) - detected);
            detected += originals.Count;
            return inner.Detect(input, originals);
        }

        public void Dispose()
        {
        }
    }
}
