using SsdLite.Core;
using SsdLite.Core.Evaluation;
using SsdLite.Data;
using SsdLite.Detection.Models;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Tools.Training;

/// <summary>
/// Runs a model under training on a VOC split and scores it with the devkit's AP: the evaluation settings of the
/// reference (score threshold 0.01, 200 candidates, no top-k). Uses the live model, so validation needs no reload.
/// </summary>
public sealed class ModelEvaluation
{
    private readonly SsdLiteModel model;
    private readonly Device device;
    private readonly float[] priors;
    private readonly BoxCoder coder;
    private readonly SsdTestTransform transform;
    private readonly PostProcessor post;

    public ModelEvaluation(SsdLiteModel model, Device device)
    {
        this.model = model;
        this.device = device;
        var config = model.Config;
        priors = config.GeneratePriors();
        coder = new BoxCoder(config.Priors);
        transform = new SsdTestTransform(config.InputSize);
        var labels = Enumerable.Range(0, config.ClassCountWithBackground).Select(config.Label).ToList();
        post = new PostProcessor(scoreThreshold: 0.01f, candidateSize: 200, topK: -1, labels: labels);
    }

    public int BatchSize { get; init; } = 16;

    /// <summary>Evaluates on <paramref name="samples"/> (all of them, or the first <paramref name="maxImages"/> when positive).</summary>
    public VocEvaluator Evaluate(IReadOnlyList<AnnotatedImage> samples, int maxImages = 0)
    {
        var evaluator = new VocEvaluator();
        var count = maxImages > 0 ? Math.Min(maxImages, samples.Count) : samples.Count;
        var wasTraining = model.training;
        model.eval();
        try
        {
            for (var start = 0; start < count; start += BatchSize)
            {
                var batch = Enumerable.Range(start, Math.Min(BatchSize, count - start)).Select(i => samples[i]).ToList();
                var images = batch.Select(s => ImageIO.Read(s.ImagePath)).ToList();
                var detections = Detect(images);
                for (var i = 0; i < batch.Count; i++) evaluator.AddImage(GroundTruth(batch[i]), detections[i]);
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return evaluator;
    }

    /// <summary>Detections per image, boxes in the image's pixels.</summary>
    public List<IReadOnlyList<DetectedObject>> Detect(IReadOnlyList<Image> images)
    {
        var n = images.Count;
        var s = model.Config.InputSize;
        var classes = model.Config.ClassCountWithBackground;
        var input = new float[n * transform.OutputLength];
        for (var i = 0; i < n; i++) transform.Apply(images[i], input.AsSpan(i * transform.OutputLength, transform.OutputLength));
        float[] scores, locations;
        using (torch.no_grad())
        using (torch.NewDisposeScope())
        {
            var x = torch.tensor(input, [n, 3, s, s]).to(device);
            var outputs = model.forward(x);
            scores = SsdLiteModel.Scores(outputs).cpu().contiguous().data<float>().ToArray();
            locations = outputs.Locations.cpu().contiguous().data<float>().ToArray();
        }
        var perImage = priors.Length;
        var boxes = new float[perImage];
        var result = new List<IReadOnlyList<DetectedObject>>(n);
        for (var i = 0; i < n; i++)
        {
            coder.Decode(locations.AsSpan(i * perImage, perImage), priors, boxes);
            var imageScores = scores.AsSpan(i * (perImage / 4) * classes, (perImage / 4) * classes);
            result.Add(post.Process(imageScores, boxes, classes, images[i].Width, images[i].Height));
        }
        return result;
    }

    /// <summary>A sample's objects in the evaluator's form (difficult ones included and flagged, as the devkit wants).</summary>
    public static IEnumerable<GroundTruthBox> GroundTruth(AnnotatedImage sample) =>
        sample.Objects.Select(o => new GroundTruthBox(o.ClassId, new BoxF(o.Box.XMin, o.Box.YMin, o.Box.XMax, o.Box.YMax), o.Difficult));
}
