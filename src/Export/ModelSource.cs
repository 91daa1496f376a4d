using SsdLite.Core;
using SsdLite.Detection;
using SsdLite.Detection.Models;

namespace SsdLite.Export;

/// <summary>Loads the model an export starts from: an SsdLite checkpoint or a reference .pth, as <c>detect</c> loads it.</summary>
public static class ModelSource
{
    /// <summary>The unfolded model with its weights; the caller owns it.</summary>
    public static SsdLiteModel Load(string weightsPath, IReadOnlyList<string>? labels = null, SsdArch? arch = null)
    {
        using var weights = ModelWeights.Read(weightsPath);
        var model = new SsdLiteModel(Detector.ConfigFor(weights, labels, arch));
        try
        {
            weights.LoadInto(model);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
