// The parameters of a one-layer llama (hidden size 40, vocabulary 32000) as
// golden-stick's test checkpoints name them, with a graph that reads the
// output projection. Its 2-device strategy and rank checkpoints are real
// files (test/data/real/golden-stick).
module attributes {mindir.main_graph = @llama} {
  mindir.parameter @model.layers.0.attention_norm.weight : tensor<40xf32>
  mindir.parameter @model.layers.0.ffn_norm.weight : tensor<40xf32>
  mindir.parameter @model.layers.0.attention.wq.weight : tensor<40x40xf16>
  mindir.parameter @model.layers.0.attention.wk.weight : tensor<40x40xf16>
  mindir.parameter @model.layers.0.attention.wv.weight : tensor<40x40xf16>
  mindir.parameter @model.layers.0.attention.wo.weight : tensor<40x40xf16>
  mindir.parameter @model.layers.0.feed_forward.w1.weight : tensor<256x40xf16>
  mindir.parameter @model.layers.0.feed_forward.w2.weight : tensor<40x256xf16>
  mindir.parameter @model.layers.0.feed_forward.w3.weight : tensor<256x40xf16>
  mindir.parameter @model.norm_out.weight : tensor<40xf32>
  mindir.parameter @lm_head.weight : tensor<32000x40xf16>
  func.func @llama(%x: tensor<1x40xf16>) -> tensor<1x32000xf16> {
    %w = mindir.get_parameter @lm_head.weight : tensor<32000x40xf16>
    %y = mindir.MatMul %x, %w {transpose_b = true} : (tensor<1x40xf16>, tensor<32000x40xf16>) -> tensor<1x32000xf16>
    return %y : tensor<1x32000xf16>
  }
}
