"""Motion library from real motion capture: BVH and Acclaim ASF/AMC readers, retargeting onto the generator's
22-joint body, labelled segments stored as a Hugging Face dataset, and the generator's library source.

Data flow: file -> `Take` (world joint positions of the source skeleton) -> `retarget` -> `Motion` (per-bone
unit directions of our skeleton, body frames, root trajectory) -> segments saved with ``save_to_disk`` ->
`MotionLibrary` -> `library_pose` (world joints of a sampled `BodyShape`).
"""
