using Onnx;
using SsdLite.Runtime;
using static SsdLite.Export.OnnxGraphBuilder;

namespace SsdLite.Export;

/// <summary>
/// Appends <c>ssdlite detect</c>'s post-processing to a detector graph (outputs <see cref="OnnxConventions.ScoresName"/>
/// and <see cref="OnnxConventions.BoxesName"/>), ending in EfficientNMS-named outputs. Per object class the best
/// <see cref="NmsExportOptions.CandidateSize"/> priors (TopK: score descending, lower prior first on ties) go into one
/// ONNX NonMaxSuppression batch each (N·C' batches of one class, so every class has its own candidates), which applies
/// the score threshold (greater than) and the IoU rule (greater than suppresses). The kept scores are scattered into an
/// N × (C'·candidates) table, -1 elsewhere, whose TopK over K gives the detections best first, ties in class order
/// then rank, as detect merges its classes. Rows past num_detections are zero.
/// </summary>
internal static class NmsGraph
{
    /// <summary>Adds the NMS tail and its four outputs to <paramref name="graph"/> of <paramref name="classCount"/> classes (background included).</summary>
    public static void Append(GraphProto graph, NmsExportOptions options, int priorCount, int classCount, int? batch)
    {
        options.Validate();
        var g = new OnnxGraphBuilder(graph);
        var objectClasses = classCount - 1;
        var candidates = options.CandidateSize > 0 ? Math.Min(options.CandidateSize, priorCount) : priorCount;
        var perClass = options.TopK > 0 ? Math.Min(options.TopK, candidates) : candidates;
        var table = (long)objectClasses * candidates;
        var k = (int)Math.Min(options.MaxDetections, table);

        // Per class, the best candidates: [N, C', cand] scores and prior indices, then their boxes [N, C'·cand, 4].
        var foreground = g.Node("Slice", "nms.foreground", [OnnxConventions.ScoresName, g.Int64s("nms.one", 1), g.Int64s("nms.classes", classCount), g.Int64s("nms.axis2", 2)]);
        var byClass = g.Node("Transpose", "nms.by_class", [foreground], Ints("perm", 0, 2, 1));
        var best = g.Node("TopK", ["nms.candidate_scores", "nms.candidate_priors"], [byClass, g.Int64s("nms.candidates", candidates)],
            Int("axis", -1), Int("largest", 1), Int("sorted", 1));
        var priorIndex = g.Node("Expand", "nms.candidate_priors4", [g.Node("Reshape", "nms.candidate_priors_rows", [best[1], g.Int64s("nms.rows1", 0, -1, 1)]), g.Int64s("nms.four", 1, 1, 4)]);
        var candidateBoxes = g.Node("GatherElements", "nms.candidate_boxes", [OnnxConventions.BoxesName, priorIndex], Int("axis", 1));

        // One NMS batch per (image, class).
        var nmsBoxes = g.Node("Reshape", "nms.batch_boxes", [candidateBoxes, g.Int64s("nms.batch_boxes_shape", -1, candidates, 4)]);
        var nmsScores = g.Node("Reshape", "nms.batch_scores", [best[0], g.Int64s("nms.batch_scores_shape", -1, 1, candidates)]);
        var selected = g.Node("NonMaxSuppression", "nms.selected", [nmsBoxes, nmsScores, g.Int64s("nms.per_class", perClass),
            g.Constant("nms.iou_threshold", [1], [options.IouThreshold]), g.Constant("nms.score_threshold", [1], [options.ScoreThreshold])],
            Int("center_point_box", 0));

        // Kept scores into the [N, C'·cand] table at (image·C' + class)·cand + rank, -1 elsewhere.
        var axis1 = g.Int64s("nms.axis1", 1);
        var pair = g.Node("Slice", "nms.selected_batch", [selected, g.Int64s("nms.zero", 0), g.Int64s("nms.one", 1), axis1]);
        var rank = g.Node("Slice", "nms.selected_rank", [selected, g.Int64s("nms.two", 2), g.Int64s("nms.three", 3), axis1]);
        var position = g.Node("Add", "nms.position", [g.Node("Mul", "nms.position_base", [pair, g.Int64s("nms.candidates", candidates)]), rank]);
        var flatScores = g.Node("Reshape", "nms.flat_scores", [best[0], g.Int64s("nms.flat", -1)]);
        var kept = g.Node("Gather", "nms.kept_scores", [flatScores, g.Node("Reshape", "nms.position_flat", [position, g.Int64s("nms.flat", -1)])], Int("axis", 0));
        var empty = g.Node("ConstantOfShape", "nms.empty_table", [g.Node("Shape", "nms.table_shape", [flatScores])], FloatTensor("value", -1f));
        var scattered = g.Node("ScatterND", "nms.table_flat", [empty, position, kept]);
        var tableRows = g.Node("Reshape", "nms.table", [scattered, g.Int64s("nms.table_rows", -1, table)]);

        // The best K of each image.
        var top = g.Node("TopK", ["nms.top_scores", "nms.top_index"], [tableRows, g.Int64s("nms.k", k)], Int("axis", 1), Int("largest", 1), Int("sorted", 1));
        var valid = g.Node("Greater", "nms.valid", [top[0], g.Scalar("nms.half_below_zero", -0.5f)]);
        g.Node("Where", OnnxConventions.DetectionScoresName, [valid, top[0], g.Scalar("nms.zero_score", 0f)]);

        var classId = g.Node("Add", "nms.class_id", [g.Node("Div", "nms.class_index", [top[1], g.Int64s("nms.candidates", candidates)]), g.Int64s("nms.one", 1)]);
        var classOrZero = g.Node("Where", "nms.class_or_zero", [valid, classId, g.Int64s("nms.zero", 0)]);
        g.Node("Cast", OnnxConventions.DetectionClassesName, [classOrZero], Int("to", (long)TensorProto.Types.DataType.Int32));

        var topIndex4 = g.Node("Expand", "nms.top_index4", [g.Node("Reshape", "nms.top_index_rows", [top[1], g.Int64s("nms.rows1", 0, -1, 1)]), g.Int64s("nms.four", 1, 1, 4)]);
        var topBoxes = g.Node("GatherElements", "nms.top_boxes", [candidateBoxes, topIndex4], Int("axis", 1));
        var clipped = g.Node("Clip", "nms.top_boxes_clipped", [topBoxes, g.Scalar("nms.box_min", 0f), g.Scalar("nms.box_max", 1f)]);
        var validRows = g.Node("Reshape", "nms.valid_rows", [valid, g.Int64s("nms.rows1", 0, -1, 1)]);
        g.Node("Where", OnnxConventions.DetectionBoxesName, [validRows, clipped, g.Scalar("nms.zero_score", 0f)]);

        // The count: valid as floats times a column of ones (MatMul reads the same in every opset).
        var ones = g.Constant("nms.ones", [k, 1], Enumerable.Repeat(1f, k).ToArray());
        var count = g.Node("MatMul", "nms.count_column", [g.Node("Cast", "nms.valid_float", [valid], Int("to", (long)TensorProto.Types.DataType.Float)), ones]);
        var countFlat = g.Node("Reshape", "nms.count", [count, g.Int64s("nms.flat", -1)]);
        g.Node("Cast", OnnxConventions.NumDetectionsName, [countFlat], Int("to", (long)TensorProto.Types.DataType.Int32));

        long? n = batch;
        var dim = OnnxConventions.BatchDimension;
        graph.Output.Add(TensorValue(OnnxConventions.NumDetectionsName, TensorProto.Types.DataType.Int32, dim, n));
        graph.Output.Add(TensorValue(OnnxConventions.DetectionBoxesName, TensorProto.Types.DataType.Float, dim, n, k, 4));
        graph.Output.Add(TensorValue(OnnxConventions.DetectionScoresName, TensorProto.Types.DataType.Float, dim, n, k));
        graph.Output.Add(TensorValue(OnnxConventions.DetectionClassesName, TensorProto.Types.DataType.Int32, dim, n, k));
    }
}
