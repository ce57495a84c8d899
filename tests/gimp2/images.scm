; images.scm: the kinds of image and layer, for test-images.py.
; Each case exports "<case>-source.png" (before) and "<case>-new.png".

(define (run-case key image layer)
  (ns-fact (string-append key ".layers-before") (ns-layer-count image))
  (ns-report-layer (string-append key ".source") layer)
  (ns-export layer (string-append key "-source.png"))
  (ns-run key image layer "wave" 1.0 0 1.0)
  (ns-fact (string-append key ".layers-after") (ns-layer-count image))
  (let ((painted (ns-layer-above image layer)))
    (ns-report-layer (string-append key ".new") painted)
    (ns-export painted (string-append key "-new.png"))
    painted))

; An ellipse selected: the new layer gets it as its mask.
(define (selection-case)
  (let* ((image (ns-load-scaled "chelsea.png" 300 200))
         (layer (ns-active-layer image)))
    (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 60 40 160 110)
    (ns-fact "selection.bounds" (cdr (gimp-selection-bounds image)))
    (ns-export (car (gimp-image-get-selection image)) "selection.png")
    (let ((painted (run-case "selection" image layer)))
      (ns-export (car (gimp-layer-get-mask painted)) "selection-mask.png"))))

; Alpha from 0 to 255 left to right (255 from x = 260), and a fully
; transparent corner.
(define (add-alpha-ramp image layer)
  (let ((mask (car (gimp-layer-create-mask layer ADD-MASK-WHITE))))
    (gimp-layer-add-alpha layer)
    (gimp-layer-add-mask layer mask)
    (gimp-context-set-foreground '(0 0 0))
    (gimp-context-set-background '(255 255 255))
    (gimp-context-set-gradient-fg-bg-rgb)
    (gimp-drawable-edit-gradient-fill mask GRADIENT-LINEAR 0 FALSE 0 0 FALSE 0 0 260 0)
    (gimp-layer-remove-mask layer MASK-APPLY)
    (gimp-image-select-rectangle image CHANNEL-OP-REPLACE 0 0 40 40)
    (gimp-drawable-edit-clear layer)
    (gimp-selection-none image)))

(define (rgba-case)
  (let* ((image (ns-load-scaled "chelsea.png" 300 200))
         (layer (ns-active-layer image)))
    (add-alpha-ramp image layer)
    (run-case "rgba" image layer)))

(define (gray-case)
  (let* ((image (ns-load-scaled "coffee.png" 300 200))
         (layer (ns-active-layer image)))
    (gimp-image-convert-grayscale image)
    (run-case "gray" image layer)))

(define (deep-case)
  (let* ((image (ns-load-scaled "rocket.jpg" 300 200))
         (layer (ns-active-layer image))
         (srgb (gimp-image-get-effective-color-profile (car (gimp-image-new 1 1 RGB)))))
    ; rocket.jpg is Adobe RGB, which the plug-in paints in sRGB; the driver
    ; hands the CLI the exported numbers as sRGB (test-color.py does profiles).
    (gimp-image-convert-color-profile image (car srgb) (cadr srgb)
                                      COLOR-RENDERING-INTENT-RELATIVE-COLORIMETRIC TRUE)
    (gimp-image-convert-precision image PRECISION-U16-GAMMA)
    (ns-fact "deep.precision" (car (gimp-image-get-precision image)))
    (run-case "deep" image layer)))

(define (tiny-case)
  (let* ((image (car (gimp-image-new 1 1 RGB)))
         (layer (car (gimp-layer-new image 1 1 RGB-IMAGE "pixel" 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer image layer 0 0)
    (gimp-context-set-foreground '(200 120 40))
    (gimp-drawable-fill layer FILL-FOREGROUND)
    (run-case "tiny" image layer)))

(ns-case "selection" selection-case)
(ns-case "rgba" rgba-case)
(ns-case "gray" gray-case)
(ns-case "deep" deep-case)
(ns-case "tiny" tiny-case)
(ns-fact "done" "yes")
