; nstest.scm: what the GIMP 3 Script-Fu tests share.
;
; run-tests defines ns-test-out (the TAP file to write, lines without
; numbers, which it numbers) and ns-shared (../shared) before loading a
; test file, which loads this one first.

(define ns-port (open-output-file ns-test-out))

(define (emit . parts)
  (for-each (lambda (part) (display part ns-port)) parts)
  (newline ns-port))

(define (check ok description . note)
  (emit (if ok "ok - " "not ok - ") description)
  (if (pair? note) (emit "# " (car note)))
  ok)

(define (done)
  (emit "# done")
  (close-output-port ns-port))

; The message of the last error that a (catch) stopped.
(define ns-error "")
(set! *error-hook*
      (lambda args
        (set! ns-error (if (and (pair? args) (string? (car args))) (car args) ""))
        (apply throw args)))

(define (contains? text part)
  (let ((n (string-length text))
        (m (string-length part)))
    (let loop ((i 0))
      (cond ((> (+ i m) n) #f)
            ((string=? (substring text i (+ i m)) part) #t)
            (else (loop (+ i 1)))))))

(define (photo name width height)
  (let ((image (car (gimp-file-load RUN-NONINTERACTIVE
                                    (string-append ns-shared "/test-images/" name)))))
    (gimp-image-scale image width height)
    image))

(define (layers image)
  (vector->list (car (gimp-image-get-layers image))))

(define (first-layer image)
  (car (layers image)))

; Runs the filter on @layer; #t when it succeeded, else #f with ns-error set.
(define (run-filter image layer style strength)
  (set! ns-error "")
  (catch #f
         (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE
                               #:image image
                               #:drawables (vector layer)
                               #:style style
                               #:strength strength)
         #t))

; Refused: the filter failed with a message containing @part, and the
; image still has @count layers.
(define (check-refused image layer style strength part count description)
  (let ((ok (run-filter image layer style strength)))
    (check (and (not ok) (contains? ns-error part)
                (= (length (layers image)) count))
           description
           ns-error)))
