// Builds a small SsdLiteModel, trains it for a few steps on one batch of a VOC-format dataset, saves a checkpoint
// that `ssdlite detect` reads, and detects on an image with it.
// Usage: CpuBundle DATA_DIR CHECKPOINT IMAGE SCORE_THRESHOLD TOP_K
// Prints the engine report, "loss STEP VALUE" per step, then one line per detection: label score xmin ymin xmax ymax.
using System.Globalization;
using SsdLite.Core;
using SsdLite.Data;
using SsdLite.Detection;
using SsdLite.Detection.Models;
using SsdLite.Platform.Checkpoints;
using SsdLite.Platform.Engine;
using SsdLite.Runtime;
using SsdLite.Vision;
using TorchSharp;
using static TorchSharp.torch;

var (dataDir, checkpoint, imagePath) = (args[0], args[1], args[2]);
var threshold = float.Parse(args[3], CultureInfo.InvariantCulture);
var topK = int.Parse(args[4], CultureInfo.InvariantCulture);
const int Steps = 5;

// The engine set-up (libstdc++ fix, malloc, threads) runs before the first tensor; its report says what it loaded.
var engine = TorchEngine.EnsureInitialized();
Console.WriteLine($"engine {engine.LibTorchSharpPath ?? "-"} weakened={string.Join(',', engine.WeakenedVersions)}");
torch.manual_seed(7);
var dataset = DetectionDataset.Open([dataDir], "train", Labels.Load(Path.Combine(dataDir, "labels.txt")));
var config = new SsdLiteConfig(dataset.Labels.Names, width: 0.25, inputSize: 64);
var priors = config.GeneratePriors();
var matcher = new Matcher(priors, new BoxCoder(config.Priors));
var testTransform = new SsdTestTransform(config.InputSize);
var loader = new DataLoader<AnnotatedImage>(dataset, Transform, matcher.Encode, new DataLoaderOptions
{
    BatchSize = 4, ImageSize = config.InputSize, PriorCount = priors.Length / 4, Workers = 1, Seed = 1,
});

using var model = new SsdLiteModel(config);
model.train();
var optimizer = torch.optim.SGD(model.parameters(), learningRate: 0.01, momentum: 0.9);
var loss = new MultiBoxLoss();
var batch = loader.GetBatches(epoch: 0).First();
for (var step = 0; step < Steps; step++)
{
    using var scope = torch.NewDisposeScope();
    var n = batch.Count;
    var x = torch.tensor(batch.ImageData.ToArray(), [n, 3, config.InputSize, config.InputSize]);
    var gtLoc = torch.tensor(batch.LocationData.ToArray(), [n, batch.PriorCount, 4]);
    var labels = torch.tensor(batch.LabelData.ToArray(), [n, batch.PriorCount]);
    optimizer.zero_grad();
    var outputs = model.forward(x);
    var parts = loss.Compute(outputs.Confidences, outputs.Locations, labels, gtLoc);
    var total = parts.Total();
    total.backward();
    optimizer.step();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loss {step} {total.item<float>():R}"));
}

// The checkpoint layout `ssdlite detect` and Detector.Load read: the state dict under "model." and the config.
var tensors = model.state_dict().Select(kv => KeyValuePair.Create(ModelWeights.ModelPrefix + kv.Key, kv.Value));
Checkpoint.Save(checkpoint, tensors, new Dictionary<string, string> { [ModelWeights.ConfigKey] = config.ToJson() });

using var detector = Detector.Load(checkpoint);
detector.PostProcessor = ClassLabels.PostProcessorFor(detector, threshold, topK: topK);
foreach (var d in detector.Detect(ImageIO.Read(imagePath)))
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{d.Label} {d.Score:R} {d.Box.XMin:R} {d.Box.YMin:R} {d.Box.XMax:R} {d.Box.YMax:R}"));

// The test transform (decode, resize, normalise) and the objects' boxes relative to the image.
SampleTargets Transform(AnnotatedImage sample, ulong seed, Span<float> imageOut)
{
    var image = ImageIO.Read(sample.ImagePath);
    testTransform.Apply(image, imageOut);
    var objects = sample.TrainingObjects();
    var boxes = new float[objects.Count * 4];
    for (var i = 0; i < objects.Count; i++)
    {
        var b = objects[i].Box;
        (boxes[4 * i], boxes[4 * i + 1]) = (b.XMin / image.Width, b.YMin / image.Height);
        (boxes[4 * i + 2], boxes[4 * i + 3]) = (b.XMax / image.Width, b.YMax / image.Height);
    }
    return new SampleTargets(boxes, [.. objects.Select(o => o.ClassId)], [.. objects.Select(o => o.Difficult)]);
}
