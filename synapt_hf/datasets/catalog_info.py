"""Per-dataset facts for checks and cards: documented split sizes, class counts, licences, citations.

`DOCUMENTED` is the single table used both by the builders (class/clip-count checks against the
numbers of the SynAPT and PPMA papers) and by the dataset cards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SYNAPT_CITATION = """@inproceedings{kim2022synapt,
  title     = {How Transferable are Video Representations Based on Synthetic Data?},
  author    = {Kim, Yo-whan and Mishra, Samarth and Jin, SouYoung and Panda, Rameswar and Kuehne, Hilde and
               Karlinsky, Leonid and Saligrama, Venkatesh and Saenko, Kate and Oliva, Aude and Feris, Rogerio},
  booktitle = {Advances in Neural Information Processing Systems (Datasets and Benchmarks Track)},
  year      = {2022}
}"""

PPMA_CITATION = """@inproceedings{zhong2023ppma,
  title     = {Learning Human Action Recognition Representations Without Real Humans},
  author    = {Zhong, Howard and Mishra, Samarth and Kim, Donghyun and Jin, SouYoung and Panda, Rameswar and
               Kuehne, Hilde and Karlinsky, Leonid and Saligrama, Venkatesh and Oliva, Aude and Feris, Rogerio},
  booktitle = {Advances in Neural Information Processing Systems (Datasets and Benchmarks Track)},
  year      = {2023}
}"""


@dataclass(frozen=True)
class SourceNote:
    """One upstream source: its name, where users get it, the terms that apply, how to cite it."""

    name: str
    homepage: str
    licence: str
    citation: str


@dataclass(frozen=True)
class DatasetInfo:
    """What is documented about one named dataset."""

    name: str
    pretty_name: str
    num_classes: int
    split_sizes: dict[str, int]
    description: str
    sources: tuple[SourceNote, ...]
    split_files: str
    extra_citations: tuple[str, ...] = (SYNAPT_CITATION,)
    empty_classes: tuple[int, ...] = ()  # labels with no clip in any official split
    tags: tuple[str, ...] = field(default=("video", "action-recognition"))

    @property
    def citations(self) -> list[str]:
        return [source.citation for source in self.sources] + list(self.extra_citations)


_RESEARCH = "check them before use; synapt-hf redistributes no video, users build from their own copy"

ELDERSIM = SourceNote(
    "ElderSim (KIST SynADL)",
    "https://hchlhwang.github.io/Eldercare",
    "the KIST SynADL release terms of KIST (see the ElderSim project page); " + _RESEARCH,
    """@article{hwang2021eldersim,
  title   = {ElderSim: A Synthetic Data Generation Platform for Human Action Recognition in Eldercare Applications},
  author  = {Hwang, Hochul and Jang, Cheongjae and Park, Geonwoo and Cho, Junghyun and Kim, Ig-Jae},
  journal = {IEEE Access},
  year    = {2021}
}""",
)
PHAV = SourceNote(
    "PHAV (Procedural Human Action Videos)",
    "https://adas.cvc.uab.es/phav/",
    "the PHAV terms of use (see its page); " + _RESEARCH,
    """@inproceedings{desouza2017phav,
  title     = {Procedural Generation of Videos to Train Deep Action Recognition Networks},
  author    = {de Souza, C{\\'e}sar Roberto and Gaidon, Adrien and Cabon, Yohann and L{\\'o}pez, Antonio M.},
  booktitle = {IEEE Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2017}
}""",
)
SURREACT = SourceNote(
    "SURREACT (NTU RGB+D and UESTC renders)",
    "https://www.di.ens.fr/willow/research/surreact/",
    "the SURREACT and SMPL licences, and the NTU RGB+D and UESTC terms for the source motions; " + _RESEARCH,
    """@article{varol2021surreact,
  title   = {Synthetic Humans for Action Recognition from Unseen Viewpoints},
  author  = {Varol, G{\\"u}l and Laptev, Ivan and Schmid, Cordelia and Zisserman, Andrew},
  journal = {International Journal of Computer Vision},
  year    = {2021}
}""",
)
KINETICS = SourceNote(
    "Kinetics-400",
    "https://github.com/cvdfoundation/kinetics-dataset",
    "annotations CC BY 4.0 (DeepMind); the videos belong to their YouTube uploaders; " + _RESEARCH,
    """@article{kay2017kinetics,
  title   = {The Kinetics Human Action Video Dataset},
  author  = {Kay, Will and Carreira, Joao and Simonyan, Karen and Zhang, Brian and Hillier, Chloe and
             Vijayanarasimhan, Sudheendra and Viola, Fabio and Green, Tim and Back, Trevor and Natsev, Paul and
             Suleyman, Mustafa and Zisserman, Andrew},
  journal = {arXiv preprint arXiv:1705.06950},
  year    = {2017}
}""",
)
UCF101 = SourceNote(
    "UCF101",
    "https://www.crcv.ucf.edu/data/UCF101.php",
    "videos collected from YouTube by CRCV, UCF; " + _RESEARCH,
    """@article{soomro2012ucf101,
  title   = {{UCF101}: A Dataset of 101 Human Actions Classes From Videos in The Wild},
  author  = {Soomro, Khurram and Zamir, Amir Roshan and Shah, Mubarak},
  journal = {arXiv preprint arXiv:1212.0402},
  year    = {2012}
}""",
)
HMDB51 = SourceNote(
    "HMDB51",
    "https://serre-lab.clps.brown.edu/resource/hmdb-a-large-human-motion-database/",
    "clips from movies and public video sites, distributed by the Serre lab; " + _RESEARCH,
    """@inproceedings{kuehne2011hmdb,
  title     = {{HMDB}: A Large Video Database for Human Motion Recognition},
  author    = {Kuehne, Hilde and Jhuang, Hueihan and Garrote, Est{\\'i}baliz and Poggio, Tomaso and Serre, Thomas},
  booktitle = {International Conference on Computer Vision (ICCV)},
  year      = {2011}
}""",
)
DIVING48 = SourceNote(
    "Diving48",
    "http://www.svcl.ucsd.edu/projects/resound/dataset.html",
    "distributed by SVCL, UC San Diego; " + _RESEARCH,
    """@inproceedings{li2018resound,
  title     = {{RESOUND}: Towards Action Recognition without Representation Bias},
  author    = {Li, Yingwei and Li, Yi and Vasconcelos, Nuno},
  booktitle = {European Conference on Computer Vision (ECCV)},
  year      = {2018}
}""",
)
SSV2 = SourceNote(
    "Something-Something V2 (Mini-SSV2 class subset)",
    "https://developer.qualcomm.com/software/ai-datasets/something-something",
    "the Something-Something V2 licence of Qualcomm (formerly TwentyBN); " + _RESEARCH,
    """@inproceedings{goyal2017something,
  title     = {The "Something Something" Video Database for Learning and Evaluating Visual Common Sense},
  author    = {Goyal, Raghav and Kahou, Samira Ebrahimi and Michalski, Vincent and Materzynska, Joanna and
               Westphal, Susanne and Kim, Heuna and Haenel, Valentin and Fruend, Ingo and Yianilos, Peter and
               Mueller-Freitag, Moritz and Hoppe, Florian and Thurau, Christian and Bax, Ingo and Memisevic, Roland},
  booktitle = {International Conference on Computer Vision (ICCV)},
  year      = {2017}
}
@inproceedings{chen2021deep,
  title     = {Deep Analysis of CNN-based Spatio-temporal Representations for Action Recognition},
  author    = {Chen, Chun-Fu Richard and Panda, Rameswar and Ramakrishnan, Kandan and Feris, Rogerio and
               Cohn, John and Oliva, Aude and Fan, Quanfu},
  booktitle = {IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2021}
}""",
)
IKEA_FA = SourceNote(
    "IKEA Furniture Assembly (IkeaFA)",
    "https://github.com/howardzh01/PPMA",
    "the terms of the original release by Toyer et al. (DICTA 2017); " + _RESEARCH,
    """@inproceedings{toyer2017human,
  title     = {Human Pose Forecasting via Deep Markov Models},
  author    = {Toyer, Sam and Cherian, Anoop and Han, Tengda and Gould, Stephen},
  booktitle = {International Conference on Digital Image Computing: Techniques and Applications (DICTA)},
  year      = {2017}
}""",
)
UAV_HUMAN = SourceNote(
    "UAV-Human",
    "https://sutdcv.github.io/UAV-Human/",
    "the UAV-Human release agreement (request form on its page); " + _RESEARCH,
    """@inproceedings{li2021uavhuman,
  title     = {{UAV-Human}: A Large Benchmark for Human Behavior Understanding with Unmanned Aerial Vehicles},
  author    = {Li, Tianjiao and Liu, Jun and Zhang, Wei and Ni, Yan and Wang, Wenqian and Li, Zhiheng},
  booktitle = {IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2021}
}""",
)

_PPMA_SPLITS = (
    "PPMA `data/splits/{name}/{{train,val}}.csv` (https://github.com/howardzh01/PPMA), `relative/path;label`"
)

DOCUMENTED: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        DatasetInfo(
            "synapt150",
            "SynAPT-150",
            150,
            {"validation": 12547},
            "150 synthetic action classes, up to 1,000 clips each, merged from ElderSim (KIST SynADL), PHAV and "
            "SURREACT's NTU RGB+D and UESTC renders; the SynAPT pretraining set.",
            (ELDERSIM, PHAV, SURREACT),
            "SynAPT `syn_labels.txt` + `sim150_val.txt` (https://github.com/mintjohnkim/SynAPT), or PPMA `sim150/val.csv`",
            tags=("video", "action-recognition", "synthetic"),
        ),
        DatasetInfo(
            "kinetics150",
            "Kinetics-150",
            150,
            {"validation": 7423},
            "The 150-class real subset of Kinetics-400 that SynAPT compares with SynAPT-150.",
            (KINETICS,),
            "SynAPT `kinetics_labels.txt` + `kinetics150_val.txt`, PPMA `kinetics150/val.csv`, or the official "
            "Kinetics-400 annotation CSVs restricted to the 150 classes",
        ),
        DatasetInfo(
            "ucf101",
            "UCF101 (split 1)",
            101,
            {"train": 9537, "validation": 3783},
            "101 human action classes from YouTube; split 1 as in SynAPT/PPMA.",
            (UCF101,),
            "official `classInd.txt` + `trainlist01.txt`/`testlist01.txt`, or "
            + _PPMA_SPLITS.format(name="ucf101"),
            extra_citations=(SYNAPT_CITATION, PPMA_CITATION),
        ),
        DatasetInfo(
            "hmdb51",
            "HMDB51 (split 1)",
            51,
            {"train": 3570, "validation": 1530},
            "51 human action classes from movies and web videos; split 1 (70 train / 30 test clips per class).",
            (HMDB51,),
            "official `<class>_test_split1.txt` (1 = train, 2 = test, 0 = unused), or "
            + _PPMA_SPLITS.format(name="hmdb51"),
            extra_citations=(SYNAPT_CITATION, PPMA_CITATION),
        ),
        DatasetInfo(
            "diving48",
            "Diving48 (V2)",
            48,
            {"train": 15027, "validation": 1970},
            "48 fine-grained dive classes (takeoff, somersaults, twists, position); the V2 labels.",
            (DIVING48,),
            "official `Diving48_V2_{train,test}.json` + `Diving48_vocab.json`, or "
            + _PPMA_SPLITS.format(name="diving48"),
            extra_citations=(SYNAPT_CITATION, PPMA_CITATION),
            empty_classes=(30,),  # `Forward Dive NoTwis STR` has no clip in the V2 lists
        ),
        DatasetInfo(
            "mini-ssv2",
            "Mini-SSV2",
            87,
            {"validation": 11799},
            "87 of the 174 Something-Something V2 classes (Chen et al. 2021), as evaluated by SynAPT/PPMA.",
            (SSV2,),
            "official SSV2 `labels.json` + `train.json`/`validation.json`, or PPMA `mini_ssv2/val.csv`",
            extra_citations=(SYNAPT_CITATION, PPMA_CITATION),
        ),
        DatasetInfo(
            "ikea-fa",
            "IKEA Furniture Assembly",
            12,
            {"train": 1781, "validation": 163},
            "12 furniture-assembly actions (attach/detach leg, flip, pick, spin) filmed with GoPro cameras.",
            (IKEA_FA,),
            _PPMA_SPLITS.format(name="ikea_furniture"),
            extra_citations=(SYNAPT_CITATION, PPMA_CITATION),
        ),
        DatasetInfo(
            "uav-human",
            "UAV-Human",
            155,
            {"train": 16285, "validation": 6191},
            "155 human actions filmed from unmanned aerial vehicles; the label is the `A###` file-name field.",
            (UAV_HUMAN,),
            _PPMA_SPLITS.format(name="uav") + ", or plain lists of UAV-Human file names (label from `A###`)",
            extra_citations=(SYNAPT_CITATION, PPMA_CITATION),
        ),
    )
}


def dataset_info(name: str) -> DatasetInfo:
    """The documented facts for `name` (a `synapt build-dataset` NAME)."""
    try:
        return DOCUMENTED[name]
    except KeyError:
        raise KeyError(f"no documented dataset {name!r}; known: {', '.join(sorted(DOCUMENTED))}") from None
