; layer.scm: the new layer, for test-layer.py.
;
; The source is a layer smaller than the image, moved, inside a layer group,
; under a hidden marker layer: the new layer must land between the two, in
; the group, with the source's size and offsets.

(define image (ns-load-scaled "chelsea.png" 300 200))
(define background (ns-active-layer image))
(define group (car (gimp-layer-group-new image)))
(define source (car (gimp-layer-copy background FALSE)))
(define marker (car (gimp-layer-new image 16 16 RGB-IMAGE "marker" 100 LAYER-MODE-NORMAL)))

(gimp-image-insert-layer image group 0 0)
(gimp-item-set-name group "group")
(gimp-image-insert-layer image source group 0)
(gimp-item-set-name source "source")
; The copy's window (50, 30) 180 x 120, moved to (70, 45).
(gimp-layer-resize source 180 120 -50 -30)
(gimp-layer-set-offsets source 70 45)
(gimp-image-insert-layer image marker group 0)
(gimp-item-set-visible marker FALSE)

(ns-fact "group" group)
(ns-fact "before.top-level" (ns-layer-count image))
(ns-fact "before.children" (length (ns-children group)))
(ns-report-layer "source-before" source)
(ns-export source "source-before.png")
(ns-export background "background.png")

(ns-run "wave" image source "wave" 0.7 0 1.0)

(define painted (ns-layer-above image source))
(ns-fact "after.top-level" (ns-layer-count image))
(ns-fact "after.children" (length (ns-children group)))
(ns-fact "marker.position" (car (gimp-image-get-item-position image marker)))
(ns-report-layer "source-after" source)
(ns-report-layer "new" painted)
(ns-export painted "new.png")
(ns-export source "source-after.png")
(ns-export-flat image "flat.png")
(ns-fact "done" "yes")
