; ns-lib.scm: what the GIMP 2.10 batch cases share.
;
; The test driver (gimp2test.py) defines ns-out (a folder for exports) and
; ns-images (../shared/test-images) before loading this file and a case
; file.  Cases report facts as gimp-message lines "NS|key|value", which GIMP
; prints on stderr as "script-fu-Warning: NS|key|value"; the driver checks
; them and the exported pixels.

(define (ns->string value)
  (cond ((string? value) value)
        ((number? value) (number->string value))
        ((pair? value) (unbreakupstr (map ns->string value) " "))
        ((null? value) "")
        ((vector? value) (ns->string (vector->list value)))
        (else "?")))

(define (ns-fact key value)
  (gimp-message (string-append "NS|" key "|" (ns->string value))))

; ("ok" value) or ("error" message).  Script-Fu's own (catch ...) drops the
; message, and the message is what the tests check.  Nests.
(define (ns-try thunk)
  (let ((outer *error-hook*))
    (call/cc
      (lambda (return)
        (set! *error-hook*
              (lambda (message . irritants)
                (set! *error-hook* outer)
                (return (list "error" message))))
        (let ((value (thunk)))
          (set! *error-hook* outer)
          (list "ok" value))))))

; Runs one case of a case file: a Script-Fu error in it is reported as
; "<key>.case" and does not stop the next case.
(define (ns-case key thunk)
  (let ((result (ns-try thunk)))
    (ns-fact (string-append key ".case")
             (if (equal? (car result) "ok") "ok" (cadr result)))))

(define (ns-file name)
  (string-append ns-out "/" name))

; A photo from ../shared/test-images, scaled so that a forward pass is quick.
(define (ns-load-scaled name width height)
  (let* ((path (string-append ns-images "/" name))
         (image (car (gimp-file-load RUN-NONINTERACTIVE path name))))
    (gimp-image-scale image width height)
    image))

(define (ns-active-layer image)
  (car (gimp-image-get-active-drawable image)))

; A drawable's own pixels (no offsets, no mask, no opacity) as PNG, with
; the colour of transparent pixels kept; 16-bit images give 16-bit PNGs.
(define (ns-export drawable name)
  (file-png-save2 RUN-NONINTERACTIVE (car (gimp-item-get-image drawable)) drawable
                  (ns-file name) name 0 1 0 0 0 0 0 0 1))

; The image as the user sees it, flattened, leaving the image as it is.
(define (ns-export-flat image name)
  (let* ((copy (car (gimp-image-duplicate image)))
         (flat (car (gimp-image-flatten copy))))
    (ns-export flat name)
    (gimp-image-delete copy)))

(define (ns-layer-count image)
  (car (gimp-image-get-layers image)))

(define (ns-children item)
  (vector->list (cadr (gimp-item-get-children item))))

(define (ns-report-layer key layer)
  (ns-fact (string-append key ".name") (car (gimp-item-get-name layer)))
  (ns-fact (string-append key ".opacity") (car (gimp-layer-get-opacity layer)))
  (ns-fact (string-append key ".size") (list (car (gimp-drawable-width layer))
                                             (car (gimp-drawable-height layer))))
  (ns-fact (string-append key ".offsets") (gimp-drawable-offsets layer))
  (ns-fact (string-append key ".parent") (car (gimp-item-get-parent layer)))
  (ns-fact (string-append key ".position")
           (car (gimp-image-get-item-position (car (gimp-item-get-image layer)) layer)))
  (ns-fact (string-append key ".format") (car (gimp-drawable-get-format layer)))
  (ns-fact (string-append key ".gray") (car (gimp-drawable-is-gray layer)))
  (ns-fact (string-append key ".alpha") (car (gimp-drawable-has-alpha layer)))
  (ns-fact (string-append key ".mask") (car (gimp-layer-get-mask layer))))

; Reports "<key>.result" of a call as "ok" or the error message.
(define (ns-report-result key thunk)
  (let ((result (ns-try thunk)))
    (ns-fact (string-append key ".result")
             (if (equal? (car result) "ok") "ok" (cadr result)))
    (equal? (car result) "ok")))

; Runs the filter; reports "<key>.result".
(define (ns-run key image drawable style strength preserve-colors scale)
  (ns-report-result key (lambda ()
                          (plug-in-neural-style RUN-NONINTERACTIVE image drawable
                                                style strength preserve-colors scale))))

; The same with the style amount and a style layer (-1: none), through the
; batch-only procedure that takes them.
(define (ns-run-picture key image drawable style strength preserve-colors scale
                        style-amount style-layer)
  (ns-report-result key (lambda ()
                          (plug-in-neural-style-picture RUN-NONINTERACTIVE image drawable
                                                        style strength preserve-colors scale
                                                        style-amount style-layer))))

(define (ns-run-mix key image drawable style strength preserve-colors scale
                    style-amount style-layer mix-style mix)
  (ns-report-result key (lambda ()
                          (plug-in-neural-style-mix RUN-NONINTERACTIVE image drawable
                                                    style strength preserve-colors scale
                                                    style-amount style-layer mix-style mix))))

; The layer the filter added: the one just above @source.
(define (ns-layer-above image source)
  (let ((position (car (gimp-image-get-item-position image source)))
        (parent (car (gimp-item-get-parent source))))
    (if (= position 0)
        -1
        (list-ref (if (= parent -1)
                      (vector->list (cadr (gimp-image-get-layers image)))
                      (ns-children parent))
                  (- position 1)))))

; Runs the filter between two exports of the image as the user sees it
; ("<key>-before.png", "<key>-after.png"), counting layers on each side.
(define (ns-run-watched key image layer style strength)
  (ns-fact (string-append key ".layers-before") (ns-layer-count image))
  (ns-export-flat image (string-append key "-before.png"))
  (ns-run key image layer style strength 0 1.0)
  (ns-fact (string-append key ".layers-after") (ns-layer-count image))
  (ns-export-flat image (string-append key "-after.png")))
